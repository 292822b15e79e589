package extension

import (
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/credentials"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/endpoint"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/service"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Command is `fuseml extension`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:    "extension",
		Aliases: []string{"extensions", "ext"},
		Usage:   "register, list, show, update and delete extensions and their services, endpoints and credentials",
		Subcommands: []*cli.Command{
			{
				Name:      "register",
				Usage:     "register an extension from a descriptor (YAML or JSON) with its services, endpoints and credentials",
				UsageText: "fuseml extension register -f FILE|- [-o|--format table|json|yaml]",
				Flags:     append([]cli.Flag{fileFlag("descriptor file (YAML or JSON); - reads the standard input")}, output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Register(c.Context, s, c)
				},
			},
			{
				Name:      "list",
				Aliases:   []string{"ls"},
				Usage:     "list extensions matching FuseML's query filters",
				UsageText: "fuseml extension list [--product P] [--version V] [--zone Z [--strict-zone]] [--service-resource R] [--service-category C] [--type internal|external] [-o FORMAT] [-c COLUMN]...",
				Flags:     append(queryFlags(), output.Flags(true)...),
				Action: func(c *cli.Context) error {
					return List(c.Context, s, c)
				},
			},
			{
				Name:      "get",
				Usage:     "show an extension with its services, endpoints and credentials",
				UsageText: "fuseml extension get ID [--reveal] [-o|--format table|json|yaml]",
				Flags:     append([]cli.Flag{revealFlag()}, output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Get(c.Context, s, c)
				},
			},
			{
				Name:      "update",
				Usage:     "update an extension's own fields from a descriptor or from flags (services are managed with 'fuseml extension service')",
				UsageText: "fuseml extension update [ID] -f FILE|-\nfuseml extension update ID [--desc D] [-p|--product P] [--version V] [-z|--zone Z] [--configuration KEY=VALUE]...",
				Flags: append([]cli.Flag{
					fileFlag("descriptor file (YAML or JSON) whose fields replace the extension's; - reads the standard input"),
					&cli.StringFlag{Name: "desc", Aliases: []string{"description"}, Usage: "description"},
					&cli.StringFlag{Name: "product", Aliases: []string{"p"}, Usage: "universal product identifier (e.g. mlflow)"},
					&cli.StringFlag{Name: "version", Usage: "product version"},
					&cli.StringFlag{Name: "zone", Aliases: []string{"z"}, Usage: "zone where the extension is installed"},
					&cli.StringSliceFlag{Name: "configuration", Usage: "configuration entry KEY=VALUE (repeat; replaces all entries)"},
				}, output.Flags(false)...),
				Action: func(c *cli.Context) error {
					return Update(c.Context, s, c)
				},
			},
			{
				Name:      "delete",
				Aliases:   []string{"rm"},
				Usage:     "delete an extension with its services, endpoints and credentials",
				UsageText: "fuseml extension delete ID",
				Action: func(c *cli.Context) error {
					return Delete(c.Context, s, c)
				},
			},
			service.Command(s),
			endpoint.Command(s),
			credentials.Command(s),
		},
	}
}

func fileFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "file", Aliases: []string{"f"}, Usage: usage}
}

func revealFlag() cli.Flag {
	return &cli.BoolFlag{Name: "reveal", Usage: "show credential values (admins only); otherwise they show as ***"}
}

func queryFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "id", Usage: "match an extension by its ID"},
		&cli.StringFlag{Name: "product", Aliases: []string{"p"}, Usage: "match extensions of this product (e.g. mlflow)"},
		&cli.StringFlag{Name: "version", Usage: "match extensions by version, or by a semantic-version constraint (\">=1.1, <2\")"},
		&cli.StringFlag{Name: "zone", Aliases: []string{"z"}, Usage: "the consumer's zone: extensions elsewhere offer only external endpoints"},
		&cli.BoolFlag{Name: "strict-zone", Usage: "match only extensions in --zone"},
		&cli.StringFlag{Name: "service-id", Usage: "match extensions offering the service with this ID"},
		&cli.StringFlag{Name: "service-resource", Aliases: []string{"r"}, Usage: "match extensions offering this API or protocol (e.g. s3, mlflow-tracking)"},
		&cli.StringFlag{Name: "service-category", Usage: "match extensions offering this category of service (e.g. model-store, prediction-serving)"},
		&cli.StringFlag{Name: "type", Usage: "keep only internal or only external endpoints"},
		&cli.StringFlag{Name: "user", Usage: "keep the credentials this user may use"},
		&cli.StringFlag{Name: "project", Usage: "keep the credentials this project may use"},
	}
}
