package credentials

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/input"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Columns are the table columns of credentials.
var Columns = []output.Column[registry.Credentials]{
	{Name: "Service", Extra: true, Value: func(c registry.Credentials) string { return c.ServiceID }},
	{Name: "ID", Value: func(c registry.Credentials) string { return c.ID }},
	{Name: "Scope", Value: func(c registry.Credentials) string { return c.Scope }},
	{Name: "Default", Value: func(c registry.Credentials) string { return output.YesNo(c.Default) }},
	{Name: "Projects", Value: func(c registry.Credentials) string { return strings.Join(c.Projects, ", ") }},
	{Name: "Users", Value: func(c registry.Credentials) string { return strings.Join(c.Users, ", ") }},
	{Name: "Configuration", Value: func(c registry.Credentials) string { return output.Map(c.Configuration) }},
}

// Sort orders credentials by service, then ID.
func Sort(creds []registry.Credentials) {
	slices.SortFunc(creds, func(a, b registry.Credentials) int {
		return cmp.Or(cmp.Compare(a.ServiceID, b.ServiceID), cmp.Compare(a.ID, b.ID))
	})
}

func apply(c *cli.Context, cr *registry.Credentials) error {
	if c.IsSet("id") {
		cr.ID = c.String("id")
	}
	if c.IsSet("scope") {
		switch sc := c.String("scope"); sc {
		case registry.ScopeGlobal, registry.ScopeProject, registry.ScopeUser:
			cr.Scope = sc
		default:
			return session.Usagef("--scope %q: want global, project or user", sc)
		}
	}
	if c.IsSet("project") {
		cr.Projects = c.StringSlice("project")
	}
	if c.IsSet("user") {
		cr.Users = c.StringSlice("user")
	}
	if c.IsSet("default") {
		cr.Default = c.Bool("default")
	}
	if c.IsSet("configuration") {
		cfg, err := input.Config("configuration", c.StringSlice("configuration"))
		if err != nil {
			return session.Usagef("%v", err)
		}
		cr.Configuration = cfg
	}
	return nil
}

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

// List lists a service's credentials.
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
	creds, err := cl.ListCredentials(ctx, args[0], args[1], c.Bool("reveal"))
	if err != nil {
		return fmt.Errorf("listing the credentials of service %q of extension %q: %w", args[1], args[0], err)
	}
	Sort(creds)
	return output.List(s.Out, s.Err, o, Columns, creds, "credentials")
}

// Get shows one set of credentials.
func Get(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "CREDENTIALS_ID")
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
	cr, err := cl.GetCredentials(ctx, args[0], args[1], args[2], c.Bool("reveal"))
	if err != nil {
		return fmt.Errorf("getting credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, cr)
	}
	return output.WriteTable(s.Out, Columns[1:], []registry.Credentials{cr})
}

// Update replaces a set of credentials: those of -f FILE, or the current ones changed
// by the flags. Values sent back as *** keep the stored ones.
func Update(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "CREDENTIALS_ID")
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
	var cr registry.Credentials
	if f := c.String("file"); f != "" {
		if err := s.Decode(f, &cr); err != nil {
			return fmt.Errorf("reading the credentials descriptor: %w", err)
		}
	} else if cr, err = cl.GetCredentials(ctx, args[0], args[1], args[2], false); err != nil {
		return fmt.Errorf("getting credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if c.IsSet("id") && c.String("id") != args[2] {
		return session.Usagef("--id cannot rename credentials (delete them and add them again)")
	}
	if err := apply(c, &cr); err != nil {
		return err
	}
	if cr.ID != "" && cr.ID != args[2] {
		return session.Usagef("the descriptor's id %q differs from CREDENTIALS_ID %q", cr.ID, args[2])
	}
	cr.ExtensionID, cr.ServiceID, cr.ID = args[0], args[1], args[2]
	cr.Status = nil
	got, err := cl.UpdateCredentials(ctx, cr)
	if err != nil {
		return fmt.Errorf("updating credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, got)
	}
	_, err = fmt.Fprintf(s.Out, "Credentials %q of service %q of extension %q updated.\n", args[2], args[1], args[0])
	return err
}

// Delete deletes a set of credentials.
func Delete(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "EXTENSION_ID", "SERVICE_ID", "CREDENTIALS_ID")
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	if err := cl.DeleteCredentials(ctx, args[0], args[1], args[2]); err != nil {
		return fmt.Errorf("deleting credentials %q of service %q of extension %q: %w", args[2], args[1], args[0], err)
	}
	_, err = fmt.Fprintf(s.Out, "Credentials %q of service %q of extension %q deleted.\n", args[2], args[1], args[0])
	return err
}
