package workflow

import (
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/workflows"
)

// Command is `fuseml workflow`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:    "workflow",
		Aliases: []string{"workflows", "wf"},
		Usage:   "compile FuseML workflows to Tekton",
		Subcommands: []*cli.Command{
			{
				Name:  "compile",
				Usage: "print a workflow's Tekton Pipeline and credentials Secret, for kubectl apply -f -",
				UsageText: "fuseml workflow compile -f FILE [--namespace NS] [--project P] [--user U] [--zone Z] [-o yaml|json]\n\n" +
					"   Extension requirements are resolved through the registry for the project and user;\n" +
					"   credentials go into the Secret, never into the Pipeline.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "file", Aliases: []string{"f"}, Required: true, Usage: "the workflow YAML file (- reads the standard input)"},
					&cli.StringFlag{Name: "namespace", Value: workflows.DefaultNamespace, Usage: "namespace of the Pipeline and Secret"},
					&cli.StringFlag{Name: "project", Usage: "the project the workflow runs for (chooses project-scoped credentials)"},
					&cli.StringFlag{Name: "user", Usage: "the user the workflow runs for (chooses user-scoped credentials)"},
					&cli.StringFlag{Name: "zone", Usage: "the zone the workflow runs in (extensions elsewhere offer only external endpoints)"},
					&cli.StringFlag{Name: "format", Aliases: []string{"o", "output"}, Value: workflows.FormatYAML, Usage: "yaml (a multi-document stream) or json (a List)"},
				},
				Action: func(c *cli.Context) error {
					return Compile(c.Context, s, c)
				},
			},
		},
	}
}
