package service

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// List lists an extension's services.
func List(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID")
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
	svcs, err := cl.ListServices(ctx, args[0])
	if err != nil {
		return fmt.Errorf("listing the services of extension %q: %w", args[0], err)
	}
	Sort(svcs)
	return output.List(s.Out, s.Err, o, Columns, svcs, "services")
}
