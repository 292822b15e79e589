package seldon

import (
	"errors"
	"fmt"
)

// ErrOwnedByOtherWorkflow is wrapped when the service exists and is labelled with another
// workflow; Applier.Force takes it over.
var ErrOwnedByOtherWorkflow = errors.New("owned by another workflow")

// ErrNotReady is wrapped when Seldon reports the service failed or the wait timed out.
var ErrNotReady = errors.New("prediction service not ready")

// FailedError says that Seldon reported the service failed.
type FailedError struct {
	Kind, Name string
	// State is Seldon's state (v1 status.state) or condition status (v2).
	State string
	// Reason is Seldon's own description (v1 status.description, v2 the condition's message).
	Reason string
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("%s %s failed: Seldon reports state %q: %s", e.Kind, e.Name, e.State, e.Reason)
}

// Unwrap lets callers test with errors.Is(err, ErrNotReady).
func (e *FailedError) Unwrap() error { return ErrNotReady }

// TimeoutError says that the service was not ready within the wait.
type TimeoutError struct {
	Kind, Name string
	// LastState describes the last state seen, or says none was seen.
	LastState string
	Waited    string
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s %s not ready after %s: last state seen: %s", e.Kind, e.Name, e.Waited, e.LastState)
}

// Unwrap lets callers test with errors.Is(err, ErrNotReady).
func (e *TimeoutError) Unwrap() error { return ErrNotReady }
