package service

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Delete deletes a service.
func Delete(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID")
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	if err := cl.DeleteService(ctx, args[0], args[1]); err != nil {
		return fmt.Errorf("deleting service %q of extension %q: %w", args[1], args[0], err)
	}
	_, err = fmt.Fprintf(s.Out, "Service %q of extension %q deleted.\n", args[1], args[0])
	return err
}
