package endpoint

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// List lists a service's endpoints.
func List(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID")
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
	eps, err := cl.ListEndpoints(ctx, args[0], args[1])
	if err != nil {
		return fmt.Errorf("listing the endpoints of service %q of extension %q: %w", args[1], args[0], err)
	}
	Sort(eps)
	return output.List(s.Out, s.Err, o, Columns, eps, "endpoints")
}
