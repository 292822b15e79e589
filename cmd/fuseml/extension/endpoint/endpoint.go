package endpoint

import (
	"cmp"
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
