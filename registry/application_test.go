package registry

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegister(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	app := Application{Name: "iris", Type: "predictor", Workflow: "wf", K8sNamespace: "ns", URL: "http://iris/1", Model: "s3://m/1", Predictor: "sklearn"}

	first, err := Register(nil, app, false, t0)
	require.NoError(t, err)
	assert.Equal(t, &ApplicationStatus{State: StateReady, Updated: t0}, first.Status, "a URL means ready")
	assert.Equal(t, []HistoryEntry{{Time: t0, Workflow: "wf", URL: "http://iris/1", Model: "s3://m/1", Predictor: "sklearn"}}, first.History)

	same, err := Register(&first, app, false, t0.Add(time.Minute))
	require.NoError(t, err)
	assert.Len(t, same.History, 1, "same URL and model: no new entry")

	deploying := app
	deploying.URL, deploying.Model = "", "s3://m/2"
	d, err := Register(&first, deploying, false, t0)
	require.NoError(t, err)
	assert.Equal(t, StateDeploying, d.Status.State, "no URL means deploying")
	assert.Len(t, d.History, 2)

	failed := app
	failed.Status = &ApplicationStatus{State: StateFailed, Message: "image pull"}
	f, err := Register(&first, failed, false, t0)
	require.NoError(t, err)
	assert.Equal(t, ApplicationStatus{State: StateFailed, Message: "image pull", Updated: t0}, *f.Status)

	other := app
	other.Workflow = "other"
	_, err = Register(&first, other, false, t0)
	assert.ErrorIs(t, err, ErrConflict)
	taken, err := Register(&first, other, true, t0)
	require.NoError(t, err)
	assert.Equal(t, "other", taken.Workflow)

	_, err = Register(nil, Application{Name: "x"}, false, t0)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "type", ve.Field)
}

func TestRegisterKeepsTheLast32(t *testing.T) {
	var cur *Application
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		app := Application{Name: "a", Type: "predictor", Workflow: "wf", K8sNamespace: "ns", URL: fmt.Sprintf("http://a/%d", i)}
		next, err := Register(cur, app, false, t0.Add(time.Duration(i)*time.Second))
		require.NoError(t, err)
		cur = &next
	}
	require.Len(t, cur.History, MaxHistory)
	assert.Equal(t, "http://a/8", cur.History[0].URL, "the oldest kept is registration 8 of 0..39")
	assert.Equal(t, "http://a/39", cur.History[MaxHistory-1].URL)
}
