package service

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Update replaces a service's own fields: those of -f FILE, or the current ones
// changed by the flags.
func Update(ctx context.Context, s *session.Session, c *cli.Context) error {
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
	var sv registry.Service
	if f := c.String("file"); f != "" {
		if err := s.Decode(f, &sv); err != nil {
			return fmt.Errorf("reading the service descriptor: %w", err)
		}
	} else if sv, err = cl.GetService(ctx, args[0], args[1]); err != nil {
		return fmt.Errorf("getting service %q of extension %q: %w", args[1], args[0], err)
	}
	if c.IsSet("id") && c.String("id") != args[1] {
		return session.Usagef("--id cannot rename a service (delete it and add it again)")
	}
	if err := apply(c, &sv); err != nil {
		return err
	}
	if sv.ID != "" && sv.ID != args[1] {
		return session.Usagef("the descriptor's id %q differs from SERVICE_ID %q", sv.ID, args[1])
	}
	sv.ExtensionID, sv.ID = args[0], args[1]
	sv.Endpoints, sv.Credentials = nil, nil
	got, err := cl.UpdateService(ctx, sv)
	if err != nil {
		return fmt.Errorf("updating service %q of extension %q: %w", args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Service %q of extension %q updated.\n", args[1], args[0])
	return err
}
