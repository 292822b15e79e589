package credentials

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Add adds credentials to a service.
func Add(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID")
	if err != nil {
		return err
	}
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	var cr registry.Credentials
	if f := c.String("file"); f != "" {
		if err := s.Decode(f, &cr); err != nil {
			return fmt.Errorf("reading the credentials descriptor: %w", err)
		}
	}
	if err := apply(c, &cr); err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	got, err := cl.AddCredentials(ctx, args[0], args[1], cr)
	if err != nil {
		return fmt.Errorf("adding credentials to service %q of extension %q: %w", args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Credentials %q added to service %q of extension %q.\n", got.ID, args[1], args[0])
	return err
}
