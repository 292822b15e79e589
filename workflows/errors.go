package workflows

import (
	"errors"
	"fmt"
)

// ErrInvalidWorkflow is wrapped by every error that rejects the content of a workflow.
var ErrInvalidWorkflow = errors.New("invalid workflow")

// ErrUnsatisfied is wrapped by a Resolver's error when no registered extension satisfies
// a requirement. Compile then names each requirement of the step that nothing satisfies.
var ErrUnsatisfied = errors.New("no registered extension satisfies the requirement")

// ErrUnknownFormat is wrapped when Write is asked for a format other than yaml or json.
var ErrUnknownFormat = errors.New("unknown output format")

// FieldError rejects one field of a workflow. Parse and Compile join one FieldError per
// problem found; errors.As finds the first, errors.Is(err, ErrInvalidWorkflow) matches all.
type FieldError struct {
	// File is the name the workflow was read from; empty for a workflow built in Go.
	File string
	// Line is the 1-based line of the field in the file; 0 when unknown.
	Line int
	// Field is the path of the field, for example "steps[2].inputs[0].value".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *FieldError) Error() string {
	var where string
	switch {
	case e.File != "" && e.Line > 0:
		where = fmt.Sprintf("%s:%d: ", e.File, e.Line)
	case e.File != "":
		where = e.File + ": "
	case e.Line > 0:
		where = fmt.Sprintf("line %d: ", e.Line)
	}
	if e.Field == "" {
		return where + e.Reason
	}
	return fmt.Sprintf("%s%s: %s", where, e.Field, e.Reason)
}

// Unwrap lets callers test a FieldError with errors.Is(err, ErrInvalidWorkflow).
func (e *FieldError) Unwrap() error { return ErrInvalidWorkflow }

// TektonError says that a compiled object failed Tekton's own validation: a bug in the
// compiler or a workflow value that Tekton refuses (such as a malformed image name).
type TektonError struct {
	// Kind and Name identify the object, for example "Pipeline" and "mlflow-e2e".
	Kind, Name string
	// Err is Tekton's validation error.
	Err error
}

func (e *TektonError) Error() string {
	return fmt.Sprintf("compiled %s %q fails Tekton validation: %v", e.Kind, e.Name, e.Err)
}

func (e *TektonError) Unwrap() error { return e.Err }
