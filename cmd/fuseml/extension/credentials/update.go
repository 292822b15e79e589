package credentials

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Update replaces a set of credentials: those of -f FILE, or the current ones changed
// by the flags. Values sent back as *** keep the stored ones.
func Update(ctx context.Context, s *session.Session, c *cli.Context) error {
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
	var cr registry.Credentials
	if f := c.String("file"); f != "" {
		if err := s.Decode(f, &cr); err != nil {
			return fmt.Errorf("reading the credentials descriptor: %w", err)
		}
	} else if cr, err = cl.GetCredentials(ctx, args[0], args[1], args[2], false); err != nil {
		return fmt.Errorf("getting credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if c.IsSet("id") && c.String("id") != args[2] {
		return session.Usagef("--id cannot rename credentials (delete them and add them again)")
	}
	if err := apply(c, &cr); err != nil {
		return err
	}
	if cr.ID != "" && cr.ID != args[2] {
		return session.Usagef("the descriptor's id %q differs from CREDENTIALS_ID %q", cr.ID, args[2])
	}
	cr.ExtensionID, cr.ServiceID, cr.ID = args[0], args[1], args[2]
	cr.Status = nil
	got, err := cl.UpdateCredentials(ctx, cr)
	if err != nil {
		return fmt.Errorf("updating credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Credentials %q of service %q of extension %q updated.\n", args[2], args[1], args[0])
	return err
}
