package endpoint

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Add adds an endpoint to a service.
func Add(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "URL")
	if err != nil {
		return err
	}
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	p := registry.Endpoint{URL: args[2]}
	if err := apply(c, &p); err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	got, err := cl.AddEndpoint(ctx, args[0], args[1], p)
	if err != nil {
		return fmt.Errorf("adding endpoint %q to service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Endpoint %q added to service %q of extension %q.\n", got.URL, args[1], args[0])
	return err
}
