package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/input"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Columns are the table columns of services.
var Columns = []output.Column[registry.Service]{
	{Name: "ID", Value: func(s registry.Service) string { return s.ID }},
	{Name: "Resource", Value: func(s registry.Service) string { return s.Resource }},
	{Name: "Category", Value: func(s registry.Service) string { return s.Category }},
	{Name: "Auth", Value: func(s registry.Service) string { return output.YesNo(s.AuthRequired) }},
	{Name: "Endpoints", Value: func(s registry.Service) string { return strconv.Itoa(len(s.Endpoints)) }},
	{Name: "Credentials", Value: func(s registry.Service) string { return strconv.Itoa(len(s.Credentials)) }},
	{Name: "Description", Extra: true, Value: func(s registry.Service) string { return s.Description }},
	{Name: "Configuration", Extra: true, Value: func(s registry.Service) string { return output.Map(s.Configuration) }},
	{Name: "URLs", Extra: true, Value: func(s registry.Service) string {
		urls := make([]string, len(s.Endpoints))
		for i, p := range s.Endpoints {
			urls[i] = p.URL
		}
		return strings.Join(urls, ", ")
	}},
}

// Sort orders services by ID.
func Sort(svcs []registry.Service) {
	slices.SortFunc(svcs, func(a, b registry.Service) int { return cmp.Compare(a.ID, b.ID) })
}

// apply sets the fields given as flags.
func apply(c *cli.Context, sv *registry.Service) error {
	if c.IsSet("id") {
		sv.ID = c.String("id")
	}
	if c.IsSet("desc") {
		sv.Description = c.String("desc")
	}
	if c.IsSet("resource") {
		sv.Resource = c.String("resource")
	}
	if c.IsSet("category") {
		sv.Category = c.String("category")
	}
	if c.IsSet("auth-required") {
		sv.AuthRequired = c.Bool("auth-required")
	}
	if c.IsSet("configuration") {
		cfg, err := input.Config("configuration", c.StringSlice("configuration"))
		if err != nil {
			return session.Usagef("%v", err)
		}
		sv.Configuration = cfg
	}
	return nil
}

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

// Get shows one service.
func Get(ctx context.Context, s *session.Session, c *cli.Context) error {
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
	sv, err := cl.GetService(ctx, args[0], args[1])
	if err != nil {
		return fmt.Errorf("getting service %q of extension %q: %w", args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, sv)
	}
	return output.WriteTable(s.Out, Columns[:6], []registry.Service{sv})
}

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
