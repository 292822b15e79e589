package endpoint

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Update changes an endpoint's type and configuration.
func Update(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "URL")
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
	p, err := cl.GetEndpoint(ctx, args[0], args[1], args[2])
	if err != nil {
		return fmt.Errorf("getting endpoint %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if err := apply(c, &p); err != nil {
		return err
	}
	p.ExtensionID, p.ServiceID, p.URL = args[0], args[1], args[2]
	got, err := cl.UpdateEndpoint(ctx, p)
	if err != nil {
		return fmt.Errorf("updating endpoint %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Endpoint %q of service %q of extension %q updated.\n", args[2], args[1], args[0])
	return err
}
