package extension

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Columns are the table columns of `extension list`: FuseML's ID, Product, Version,
// Zone and Services, and more on request with --field.
var Columns = []output.Column[registry.Extension]{
	{Name: "ID", Value: func(e registry.Extension) string { return e.ID }},
	{Name: "Product", Value: func(e registry.Extension) string { return e.Product }},
	{Name: "Version", Value: func(e registry.Extension) string { return e.Version }},
	{Name: "Zone", Value: func(e registry.Extension) string { return e.Zone }},
	{Name: "Services", Value: services},
	{Name: "Description", Extra: true, Value: func(e registry.Extension) string { return e.Description }},
	{Name: "Endpoints", Extra: true, Value: endpoints},
	{Name: "Credentials", Extra: true, Value: credentialIDs},
	{Name: "Configuration", Extra: true, Value: func(e registry.Extension) string { return output.Map(e.Configuration) }},
	{Name: "Registered", Extra: true, Value: func(e registry.Extension) string {
		if e.Status == nil {
			return ""
		}
		return timestamp(e.Status.Registered)
	}},
}

// List prints the extensions that match the query flags, sorted by ID.
func List(ctx context.Context, s *session.Session, c *cli.Context) error {
	if _, err := session.Args(c); err != nil {
		return err
	}
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	q := registry.Query{
		ExtensionID: c.String("id"), Product: c.String("product"), Version: c.String("version"),
		Zone: c.String("zone"), StrictZone: c.Bool("strict-zone"),
		ServiceID: c.String("service-id"), ServiceResource: c.String("service-resource"), ServiceCategory: c.String("service-category"),
		EndpointType: c.String("type"), User: c.String("user"), Project: c.String("project"),
	}
	if q.StrictZone && q.Zone == "" {
		return session.Usagef("--strict-zone needs --zone")
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	exts, err := cl.ListExtensions(ctx, q)
	if err != nil {
		return fmt.Errorf("listing extensions: %w", err)
	}
	slices.SortFunc(exts, func(a, b registry.Extension) int { return cmp.Compare(a.ID, b.ID) })
	return output.List(s.Out, s.Err, o, Columns, exts, "extensions")
}

func services(e registry.Extension) string {
	ids := make([]string, len(e.Services))
	for i, sv := range e.Services {
		ids[i] = sv.ID
	}
	return strings.Join(ids, ", ")
}

func endpoints(e registry.Extension) string {
	var urls []string
	for _, sv := range e.Services {
		for _, p := range sv.Endpoints {
			urls = append(urls, p.URL)
		}
	}
	return strings.Join(urls, ", ")
}

func credentialIDs(e registry.Extension) string {
	var ids []string
	for _, sv := range e.Services {
		for _, cr := range sv.Credentials {
			ids = append(ids, sv.ID+"/"+cr.ID)
		}
	}
	return strings.Join(ids, ", ")
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
