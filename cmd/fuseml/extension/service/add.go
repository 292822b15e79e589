package service

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Add adds a service to an extension.
func Add(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID")
	if err != nil {
		return err
	}
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	var sv registry.Service
	if f := c.String("file"); f != "" {
		if err := s.Decode(f, &sv); err != nil {
			return fmt.Errorf("reading the service descriptor: %w", err)
		}
	}
	if err := apply(c, &sv); err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	got, err := cl.AddService(ctx, args[0], sv)
	if err != nil {
		return fmt.Errorf("adding a service to extension %q: %w", args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Service %q added to extension %q.\n", got.ID, args[0])
	return err
}
