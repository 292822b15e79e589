package credentials

import (
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Command is `fuseml extension credentials`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:    "credentials",
		Aliases: []string{"credential", "creds"},
		Usage:   "manage the credentials of an extension's service",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add credentials to a service",
				UsageText: "fuseml extension credentials add EXTENSION_ID SERVICE_ID [--id ID] [--scope global|project|user] [--project P]... [--user U]... [--default] [-c|--configuration KEY=VALUE]... [-f FILE|-]",
				Flags:     append(fieldFlags(), output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Add(c.Context, s, c)
				},
			},
			{
				Name:      "list",
				Aliases:   []string{"ls"},
				Usage:     "list the credentials of a service",
				UsageText: "fuseml extension credentials list EXTENSION_ID SERVICE_ID [--reveal] [-o FORMAT] [--field COLUMN]...",
				Flags:     append([]cli.Flag{revealFlag()}, listFlags()...),
				Action: func(c *cli.Context) error {
					return List(c.Context, s, c)
				},
			},
			{
				Name:      "get",
				Usage:     "show a set of credentials",
				UsageText: "fuseml extension credentials get EXTENSION_ID SERVICE_ID CREDENTIALS_ID [--reveal] [-o FORMAT]",
				Flags:     append([]cli.Flag{revealFlag()}, output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Get(c.Context, s, c)
				},
			},
			{
				Name:      "update",
				Usage:     "update a set of credentials (configuration values left as *** keep the stored ones)",
				UsageText: "fuseml extension credentials update EXTENSION_ID SERVICE_ID CREDENTIALS_ID [--scope S] [--project P]... [--user U]... [--default=true|false] [-c|--configuration KEY=VALUE]... [-f FILE|-]",
				Flags:     append(fieldFlags(), output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Update(c.Context, s, c)
				},
			},
			{
				Name:      "delete",
				Aliases:   []string{"rm"},
				Usage:     "delete a set of credentials",
				UsageText: "fuseml extension credentials delete EXTENSION_ID SERVICE_ID CREDENTIALS_ID",
				Action: func(c *cli.Context) error {
					return Delete(c.Context, s, c)
				},
			},
		},
	}
}

func revealFlag() cli.Flag {
	return &cli.BoolFlag{Name: "reveal", Usage: "show the values (admins only); otherwise they show as ***"}
}

// listFlags are the output flags without -c, which is --configuration here (FuseML's).
func listFlags() []cli.Flag {
	flags := output.Flags(true)
	if sf, ok := flags[1].(*cli.StringSliceFlag); ok {
		sf.Aliases = nil
	}
	return flags
}

func fieldFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: "credentials descriptor (YAML or JSON), keeping secrets off the command line; flags override its fields; - reads the standard input"},
		&cli.StringFlag{Name: "id", Usage: "credentials ID (generated when empty)"},
		&cli.StringFlag{Name: "scope", Usage: "who may use them: global (default), project or user"},
		&cli.StringSliceFlag{Name: "project", Usage: "project that may use them (repeat)"},
		&cli.StringSliceFlag{Name: "user", Usage: "user who may use them (repeat)"},
		&cli.BoolFlag{Name: "default", Usage: "preferred when several credentials fit"},
		&cli.StringSliceFlag{Name: "configuration", Aliases: []string{"c"}, Usage: "secret entry KEY=VALUE (repeat; replaces all entries)"},
	}
}
