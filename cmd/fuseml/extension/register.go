package extension

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Register registers the extension described by -f FILE.
func Register(ctx context.Context, s *session.Session, c *cli.Context) error {
	if _, err := session.Args(c); err != nil {
		return err
	}
	file := c.String("file")
	if file == "" {
		return session.Usagef("%s needs -f FILE (or -f - for the standard input)", c.Command.HelpName)
	}
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	var e registry.Extension
	if err := s.Decode(file, &e); err != nil {
		return fmt.Errorf("reading the extension descriptor: %w", err)
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	got, err := cl.RegisterExtension(ctx, e)
	if err != nil {
		return fmt.Errorf("registering extension %s: %w", describeID(e), err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Extension %q registered.\n", got.ID)
	return err
}

// describeID names an extension in messages, before it has an ID.
func describeID(e registry.Extension) string {
	switch {
	case e.ID != "":
		return fmt.Sprintf("%q", e.ID)
	case e.Product != "":
		return fmt.Sprintf("of product %q", e.Product)
	}
	return "(no id)"
}
