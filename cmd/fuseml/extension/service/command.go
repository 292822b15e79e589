package service

import (
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Command is `fuseml extension service`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:    "service",
		Aliases: []string{"services", "svc"},
		Usage:   "manage the services of an extension",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add a service (with endpoints and credentials from -f) to an extension",
				UsageText: "fuseml extension service add EXTENSION_ID [--id ID] [--desc D] [-r|--resource R] [--category C] [--auth-required] [--configuration KEY=VALUE]... [-f FILE|-]",
				Flags:     append(fieldFlags(), output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Add(c.Context, s, c)
				},
			},
			{
				Name:      "list",
				Aliases:   []string{"ls"},
				Usage:     "list the services of an extension",
				UsageText: "fuseml extension service list EXTENSION_ID [-o FORMAT] [-c COLUMN]...",
				Flags:     output.Flags(true),
				Action: func(c *cli.Context) error {
					return List(c.Context, s, c)
				},
			},
			{
				Name:      "get",
				Usage:     "show a service",
				UsageText: "fuseml extension service get EXTENSION_ID SERVICE_ID [-o FORMAT]",
				Flags:     output.Flags(false),
				Action: func(c *cli.Context) error {
					return Get(c.Context, s, c)
				},
			},
			{
				Name:      "update",
				Usage:     "update a service's own fields (not its endpoints or credentials)",
				UsageText: "fuseml extension service update EXTENSION_ID SERVICE_ID [--desc D] [-r|--resource R] [--category C] [--auth-required=true|false] [--configuration KEY=VALUE]... [-f FILE|-]",
				Flags:     append(fieldFlags(), output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Update(c.Context, s, c)
				},
			},
			{
				Name:      "delete",
				Aliases:   []string{"rm"},
				Usage:     "delete a service with its endpoints and credentials",
				UsageText: "fuseml extension service delete EXTENSION_ID SERVICE_ID",
				Action: func(c *cli.Context) error {
					return Delete(c.Context, s, c)
				},
			},
		},
	}
}

func fieldFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "service descriptor (YAML or JSON); flags override its fields; - reads the standard input"},
		&cli.StringFlag{Name: "id", Usage: "service ID (generated from the resource when empty)"},
		&cli.StringFlag{Name: "desc", Aliases: []string{"description"}, Usage: "description"},
		&cli.StringFlag{Name: "resource", Aliases: []string{"r"}, Usage: "API or protocol the service offers (e.g. s3, mlflow-tracking)"},
		&cli.StringFlag{Name: "category", Usage: "category of service (e.g. model-store, prediction-serving)"},
		&cli.BoolFlag{Name: "auth-required", Usage: "the service needs credentials"},
		&cli.StringSliceFlag{Name: "configuration", Usage: "configuration entry KEY=VALUE (repeat; replaces all entries)"},
	}
}
