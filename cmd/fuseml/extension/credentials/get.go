package credentials

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Get shows one set of credentials.
func Get(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "CREDENTIALS_ID")
	if err != nil {
		return err
	}
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	cr, err := cl.GetCredentials(ctx, args[0], args[1], args[2], c.Bool("reveal"))
	if err != nil {
		return fmt.Errorf("getting credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, cr)
	}
	return output.WriteTable(s.Out, Columns[1:], []registry.Credentials{cr})
}
