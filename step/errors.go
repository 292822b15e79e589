package step

import (
	"errors"
	"fmt"
)

// Error classes of a run; the binary maps each to an exit code.
var (
	// ErrInput: an input is missing or malformed (exit 2).
	ErrInput = errors.New("bad input")
	// ErrModel: the model cannot be read, parsed or served as asked (exit 3).
	ErrModel = errors.New("model problem")
	// ErrKubernetes: Kubernetes refused the objects, or Seldon did not make the service
	// ready (exit 4).
	ErrKubernetes = errors.New("kubernetes or seldon failure")
	// ErrRegistry: the application could not be registered (exit 5).
	ErrRegistry = errors.New("registry failure")
)

// InputError names the input that is wrong and what was expected.
type InputError struct {
	// Input is the environment variable (and flag) name, e.g. FUSEML_MODEL.
	Input  string
	Reason string
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %s", e.Input, e.Reason) }

// Unwrap classes every InputError as ErrInput.
func (e *InputError) Unwrap() error { return ErrInput }

// classed wraps err in one of the error classes, keeping the chain.
type classed struct {
	class error
	err   error
}

func (c *classed) Error() string   { return c.err.Error() }
func (c *classed) Unwrap() []error { return []error{c.class, c.err} }

func classify(class, err error) error {
	if err == nil || errors.Is(err, class) {
		return err
	}
	return &classed{class: class, err: err}
}
