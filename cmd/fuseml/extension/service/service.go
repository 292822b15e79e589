package service

import (
	"cmp"
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
