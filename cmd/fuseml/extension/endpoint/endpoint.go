package endpoint

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/input"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Columns are the table columns of endpoints.
var Columns = []output.Column[registry.Endpoint]{
	{Name: "Service", Extra: true, Value: func(p registry.Endpoint) string { return p.ServiceID }},
	{Name: "URL", Value: func(p registry.Endpoint) string { return p.URL }},
	{Name: "Type", Value: func(p registry.Endpoint) string { return p.Type }},
	{Name: "Configuration", Value: func(p registry.Endpoint) string { return output.Map(p.Configuration) }},
}

// Sort orders endpoints by service, then URL.
func Sort(eps []registry.Endpoint) {
	slices.SortFunc(eps, func(a, b registry.Endpoint) int {
		return cmp.Or(cmp.Compare(a.ServiceID, b.ServiceID), cmp.Compare(a.URL, b.URL))
	})
}

func apply(c *cli.Context, p *registry.Endpoint) error {
	if c.IsSet("type") {
		t := c.String("type")
		if t != registry.EndpointInternal && t != registry.EndpointExternal {
			return session.Usagef("--type %q: want internal or external", t)
		}
		p.Type = t
	}
	if c.IsSet("configuration") {
		cfg, err := input.Config("configuration", c.StringSlice("configuration"))
		if err != nil {
			return session.Usagef("%v", err)
		}
		p.Configuration = cfg
	}
	return nil
}

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

// Get shows one endpoint.
func Get(ctx context.Context, s *session.Session, c *cli.Context) error {
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
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, p)
	}
	return output.WriteTable(s.Out, Columns, []registry.Endpoint{p})
}

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

// Delete deletes an endpoint.
func Delete(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "URL")
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	if err := cl.DeleteEndpoint(ctx, args[0], args[1], args[2]); err != nil {
		return fmt.Errorf("deleting endpoint %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	_, err = fmt.Fprintf(s.Out, "Endpoint %q of service %q of extension %q deleted.\n", args[2], args[1], args[0])
	return err
}
