package registry

import (
	"fmt"
	"time"
)

// Register applies a registration of app to the existing record (nil when there is
// none) and returns the record to store:
//   - another workflow's application is a conflict unless force is set;
//   - the status defaults to ready when the application has a URL, deploying otherwise;
//   - a registration that changes the URL or the model (and the first one) appends a
//     history entry, and only the last MaxHistory entries are kept.
func Register(existing *Application, app Application, force bool, now time.Time) (Application, error) {
	if err := app.Validate(); err != nil {
		return Application{}, err
	}
	now = now.UTC()
	if existing != nil && existing.Workflow != app.Workflow && !force {
		return Application{}, fmt.Errorf("application %q belongs to workflow %q (register with force to take it over): %w", app.Name, existing.Workflow, ErrConflict)
	}
	out := app
	out.History = nil
	if existing != nil {
		out.History = append(out.History, existing.History...)
	}
	status := ApplicationStatus{State: StateReady}
	if app.URL == "" {
		status.State = StateDeploying
	}
	if app.Status != nil {
		status.Message = app.Status.Message
		if app.Status.State != "" {
			status.State = app.Status.State
		}
	}
	status.Updated = now
	out.Status = &status
	if existing == nil || existing.URL != app.URL || existing.Model != app.Model {
		out.History = append(out.History, HistoryEntry{Time: now, Workflow: app.Workflow, URL: app.URL, Model: app.Model, Predictor: app.Predictor})
	}
	if n := len(out.History); n > MaxHistory {
		out.History = append([]HistoryEntry(nil), out.History[n-MaxHistory:]...)
	}
	return out, nil
}
