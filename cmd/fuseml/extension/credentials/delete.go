package credentials

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Delete deletes a set of credentials.
func Delete(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "CREDENTIALS_ID")
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	if err := cl.DeleteCredentials(ctx, args[0], args[1], args[2]); err != nil {
		return fmt.Errorf("deleting credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	_, err = fmt.Fprintf(s.Out, "Credentials %q of service %q of extension %q deleted.\n", args[2], args[1], args[0])
	return err
}
