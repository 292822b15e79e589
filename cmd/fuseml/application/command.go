package application

import (
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Command is `fuseml application`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:    "application",
		Aliases: []string{"applications", "app"},
		Usage:   "list, show and delete applications",
		Subcommands: []*cli.Command{
			{
				Name:      "list",
				Aliases:   []string{"ls"},
				Usage:     "list applications",
				UsageText: "fuseml application list [-t|--type TYPE] [-w|--workflow WORKFLOW] [-o|--format table|json|yaml] [-c|--field COLUMN]...",
				Flags: append([]cli.Flag{
					&cli.StringFlag{Name: "type", Aliases: []string{"t"}, Usage: "list only applications of this type (e.g. predictor)"},
					&cli.StringFlag{Name: "workflow", Aliases: []string{"w"}, Usage: "list only applications created by this workflow"},
				}, output.Flags(true)...),
				Action: func(c *cli.Context) error {
					return List(c.Context, s, c)
				},
			},
			{
				Name:      "get",
				Usage:     "show an application, with its status and history",
				UsageText: "fuseml application get NAME [-o|--format table|json|yaml]",
				Flags:     append([]cli.Flag{nameFlag()}, output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Get(c.Context, s, c)
				},
			},
			{
				Name:      "delete",
				Aliases:   []string{"rm"},
				Usage:     "delete an application and its Kubernetes objects (asks first on a terminal)",
				UsageText: "fuseml application delete NAME [-y|--yes]",
				Flags: []cli.Flag{
					nameFlag(),
					&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "delete without asking"},
				},
				Action: func(c *cli.Context) error {
					return Delete(c.Context, s, c)
				},
			},
		},
	}
}

// nameFlag is FuseML's -n/--name, kept beside the NAME argument.
func nameFlag() cli.Flag {
	return &cli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "application name (or give it as the argument)"}
}

// name reads the application name from the argument or --name.
func name(c *cli.Context) (string, error) {
	args := c.Args().Slice()
	flag := c.String("name")
	switch {
	case len(args) > 1:
		return "", session.Usagef("%s takes one application name, got %d arguments", c.Command.HelpName, len(args))
	case len(args) == 1 && flag != "" && flag != args[0]:
		return "", session.Usagef("%s: the argument %q and --name %q differ", c.Command.HelpName, args[0], flag)
	case len(args) == 1:
		return args[0], nil
	case flag != "":
		return flag, nil
	}
	return "", session.Usagef("%s needs an application name (see '%s --help')", c.Command.HelpName, c.Command.HelpName)
}
