package application

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
)

// Get prints one application: its record, status and history.
func Get(ctx context.Context, s *session.Session, c *cli.Context) error {
	n, err := name(c)
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
	app, err := cl.GetApplication(ctx, n)
	if err != nil {
		return fmt.Errorf("getting application %q: %w", n, err)
	}
	if o.Format != output.Table {
		return output.Encode(s.Out, o.Format, app)
	}
	return describe(s.Out, app)
}

// historyColumns are the columns of an application's history.
var historyColumns = []output.Column[registry.HistoryEntry]{
	{Name: "Time", Value: func(h registry.HistoryEntry) string { return timestamp(h.Time) }},
	{Name: "Workflow", Value: func(h registry.HistoryEntry) string { return h.Workflow }},
	{Name: "Predictor", Value: func(h registry.HistoryEntry) string { return h.Predictor }},
	{Name: "URL", Value: func(h registry.HistoryEntry) string { return h.URL }},
	{Name: "Model", Value: func(h registry.HistoryEntry) string { return h.Model }},
}

func describe(w io.Writer, a registry.Application) error {
	var st registry.ApplicationStatus
	if a.Status != nil {
		st = *a.Status
	}
	err := output.Fields(w,
		[2]string{"Name", a.Name},
		[2]string{"Type", a.Type},
		[2]string{"Description", output.Cell(a.Description)},
		[2]string{"URL", a.URL},
		[2]string{"Workflow", a.Workflow},
		[2]string{"Namespace", a.K8sNamespace},
		[2]string{"Resources", resources(a)},
		[2]string{"Model", a.Model},
		[2]string{"Predictor", a.Predictor},
		[2]string{"Status", st.State},
		[2]string{"Message", output.Cell(st.Message)},
		[2]string{"Updated", timestamp(st.Updated)},
	)
	if err != nil || len(a.History) == 0 {
		return err
	}
	fmt.Fprintln(w, "\nHistory:")
	return output.WriteTable(w, historyColumns, a.History)
}
