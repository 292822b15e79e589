package credentials

import (
	"cmp"
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
