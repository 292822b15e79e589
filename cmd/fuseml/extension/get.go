package extension

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/credentials"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/endpoint"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/service"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// Get prints an extension with its services, endpoints and credentials; with
// --reveal (admins), the credential values too.
func Get(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "ID")
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
	e, err := cl.GetExtension(ctx, args[0])
	if err != nil {
		return fmt.Errorf("getting extension %q: %w", args[0], err)
	}
	if c.Bool("reveal") {
		if err := reveal(ctx, cl, &e); err != nil {
			return err
		}
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, e)
	}
	return describe(s.Out, e)
}

// reveal replaces the extension's redacted credentials with their values, one
// request per service that has any (the registry reveals per service).
func reveal(ctx context.Context, cl *client.Client, e *registry.Extension) error {
	for i, sv := range e.Services {
		if len(sv.Credentials) == 0 {
			continue
		}
		creds, err := cl.ListCredentials(ctx, e.ID, sv.ID, true)
		if err != nil {
			return fmt.Errorf("revealing the credentials of service %q of extension %q: %w", sv.ID, e.ID, err)
		}
		e.Services[i].Credentials = creds
	}
	return nil
}

func describe(w io.Writer, e registry.Extension) error {
	var st registry.Status
	if e.Status != nil {
		st = *e.Status
	}
	err := output.Fields(w,
		[2]string{"ID", e.ID},
		[2]string{"Product", e.Product},
		[2]string{"Version", e.Version},
		[2]string{"Zone", e.Zone},
		[2]string{"Description", output.Cell(e.Description)},
		[2]string{"Configuration", output.Map(e.Configuration)},
		[2]string{"Registered", timestamp(st.Registered)},
		[2]string{"Updated", timestamp(st.Updated)},
	)
	if err != nil || len(e.Services) == 0 {
		return err
	}
	var eps []registry.Endpoint
	var creds []registry.Credentials
	for _, sv := range e.Services {
		for _, p := range sv.Endpoints {
			p.ServiceID = sv.ID
			eps = append(eps, p)
		}
		for _, cr := range sv.Credentials {
			cr.ServiceID = sv.ID
			creds = append(creds, cr)
		}
	}
	service.Sort(e.Services)
	fmt.Fprintln(w, "\nServices:")
	cols, _ := output.Select(service.Columns, []string{"ID", "Resource", "Category", "Auth", "Description"}, e.Services)
	if err := output.WriteTable(w, cols, e.Services); err != nil {
		return err
	}
	if len(eps) > 0 {
		endpoint.Sort(eps)
		fmt.Fprintln(w, "\nEndpoints:")
		cols, _ := output.Select(endpoint.Columns, []string{"Service", "URL", "Type", "Configuration"}, eps)
		if err := output.WriteTable(w, cols, eps); err != nil {
			return err
		}
	}
	if len(creds) > 0 {
		credentials.Sort(creds)
		fmt.Fprintln(w, "\nCredentials:")
		cols, _ := output.Select(credentials.Columns, []string{"Service", "ID", "Scope", "Default", "Projects", "Users", "Configuration"}, creds)
		if err := output.WriteTable(w, cols, creds); err != nil {
			return err
		}
	}
	return nil
}
