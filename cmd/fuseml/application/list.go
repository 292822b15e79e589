package application

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

// Columns are the table columns of `application list`: FuseML's Name, Type,
// Description, URL and Workflow, and more on request with --field.
var Columns = []output.Column[registry.Application]{
	{Name: "Name", Value: func(a registry.Application) string { return a.Name }},
	{Name: "Type", Value: func(a registry.Application) string { return a.Type }},
	{Name: "Description", Value: func(a registry.Application) string { return a.Description }},
	{Name: "URL", Value: func(a registry.Application) string { return a.URL }},
	{Name: "Workflow", Value: func(a registry.Application) string { return a.Workflow }},
	{Name: "Status", Extra: true, Value: state},
	{Name: "Namespace", Extra: true, Value: func(a registry.Application) string { return a.K8sNamespace }},
	{Name: "Model", Extra: true, Value: func(a registry.Application) string { return a.Model }},
	{Name: "Predictor", Extra: true, Value: func(a registry.Application) string { return a.Predictor }},
	{Name: "Resources", Extra: true, Value: resources},
	{Name: "Updated", Extra: true, Value: func(a registry.Application) string {
		if a.Status == nil {
			return ""
		}
		return timestamp(a.Status.Updated)
	}},
}

// List prints the applications that pass the --type and --workflow filters, sorted
// by name.
func List(ctx context.Context, s *session.Session, c *cli.Context) error {
	if c.Args().Present() {
		return session.Usagef("%s takes no arguments, got %q", c.Command.HelpName, c.Args().First())
	}
	o, err := output.FromContext(c)
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	apps, err := cl.ListApplications(ctx, registry.ApplicationFilter{Type: c.String("type"), Workflow: c.String("workflow")})
	if err != nil {
		return fmt.Errorf("listing applications: %w", err)
	}
	slices.SortFunc(apps, func(a, b registry.Application) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
	})
	return output.List(s.Out, s.Err, o, Columns, apps, "applications")
}

func state(a registry.Application) string {
	if a.Status == nil {
		return ""
	}
	return a.Status.State
}

func resources(a registry.Application) string {
	parts := make([]string, len(a.K8sResources))
	for i, r := range a.K8sResources {
		parts[i] = r.Kind + "/" + r.Name
	}
	return strings.Join(parts, ", ")
}

// timestamp prints a time in UTC, to the second; zero is empty.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
