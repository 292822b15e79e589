package endpoint

import (
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Command is `fuseml extension endpoint`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:    "endpoint",
		Aliases: []string{"endpoints", "ep"},
		Usage:   "manage the endpoints of an extension's service",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "add an endpoint to a service",
				UsageText: "fuseml extension endpoint add EXTENSION_ID SERVICE_ID URL [--type internal|external] [--configuration KEY=VALUE]...",
				Flags:     append(fieldFlags(), output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Add(c.Context, s, c)
				},
			},
			{
				Name:      "list",
				Aliases:   []string{"ls"},
				Usage:     "list the endpoints of a service",
				UsageText: "fuseml extension endpoint list EXTENSION_ID SERVICE_ID [-o FORMAT] [-c COLUMN]...",
				Flags:     output.Flags(true),
				Action: func(c *cli.Context) error {
					return List(c.Context, s, c)
				},
			},
			{
				Name:      "get",
				Usage:     "show an endpoint",
				UsageText: "fuseml extension endpoint get EXTENSION_ID SERVICE_ID URL [-o FORMAT]",
				Flags:     output.Flags(false),
				Action: func(c *cli.Context) error {
					return Get(c.Context, s, c)
				},
			},
			{
				Name:      "update",
				Usage:     "update an endpoint's type and configuration",
				UsageText: "fuseml extension endpoint update EXTENSION_ID SERVICE_ID URL [--type internal|external] [--configuration KEY=VALUE]...",
				Flags:     append(fieldFlags(), output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Update(c.Context, s, c)
				},
			},
			{
				Name:      "delete",
				Aliases:   []string{"rm"},
				Usage:     "delete an endpoint",
				UsageText: "fuseml extension endpoint delete EXTENSION_ID SERVICE_ID URL",
				Action: func(c *cli.Context) error {
					return Delete(c.Context, s, c)
				},
			},
		},
	}
}

func fieldFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "type", Usage: "internal (reachable only inside the extension's zone) or external (default for new endpoints)"},
		&cli.StringSliceFlag{Name: "configuration", Aliases: []string{"c"}, Usage: "configuration entry KEY=VALUE (repeat; replaces all entries)"},
	}
}
