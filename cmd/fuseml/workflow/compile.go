package workflow

import (
	"bytes"
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/workflows"
)

// Compile prints the Tekton objects of the workflow in --file: the Pipeline and, when a
// step needs credentials, the Secret holding them. Nothing is printed unless the whole
// compilation succeeds.
func Compile(ctx context.Context, s *session.Session, c *cli.Context) error {
	if c.Args().Present() {
		return session.Usagef("%s takes no arguments, got %q (give the file with -f)", c.Command.HelpName, c.Args().First())
	}
	format := c.String("format")
	if format != workflows.FormatYAML && format != workflows.FormatJSON {
		return session.Usagef("--format %q: expected yaml or json", format)
	}
	file := c.String("file")
	data, err := s.ReadFile(file)
	if err != nil {
		return err
	}
	name := file
	if name == "-" {
		name = "<stdin>"
	}
	wf, err := workflows.Parse(data, name)
	if err != nil {
		return err
	}
	opts := workflows.Options{
		Namespace: c.String("namespace"),
		Consumer:  workflows.Consumer{Project: c.String("project"), User: c.String("user"), Zone: c.String("zone")},
	}
	if wf.NeedsExtensions() {
		cl, err := s.Client()
		if err != nil {
			return err
		}
		opts.Resolver = &workflows.RegistryResolver{Client: cl}
	}
	compiled, err := workflows.Compile(ctx, wf, opts)
	if err != nil {
		return fmt.Errorf("compiling %s: %w", name, err)
	}
	var out bytes.Buffer
	if err := compiled.Write(&out, format); err != nil {
		return err
	}
	_, err = s.Out.Write(out.Bytes())
	return err
}
