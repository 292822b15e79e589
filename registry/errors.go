package registry

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when an extension, service, endpoint, credentials or
// application does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating something whose identifier is already taken.
var ErrExists = errors.New("already exists")

// ErrConflict is returned when an application registered by one workflow is
// registered again by another without force.
var ErrConflict = errors.New("conflict")

// ErrInvalid is wrapped by every *ValidationError.
var ErrInvalid = errors.New("invalid")

// ErrUnresolved is wrapped by every *UnresolvedError.
var ErrUnresolved = errors.New("unresolved requirement")

// ErrNoEncryptionKey is returned when credentials would be stored by a server that
// was started without an encryption key.
var ErrNoEncryptionKey = errors.New("no encryption key configured: credentials cannot be stored; start the server with --encryption-key-file or FUSEML_REGISTRY_ENCRYPTION_KEY")

// ValidationError names the field of a request that breaks a rule.
type ValidationError struct {
	// Field is the JSON path of the offending field, e.g. "services[0].endpoints[1].url".
	Field string
	// Reason says what is wrong with it.
	Reason string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// invalidAt returns a copy of the validation error with its field nested under prefix.
func invalidAt(prefix string, err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) && prefix != "" {
		return &ValidationError{Field: prefix + "." + ve.Field, Reason: ve.Reason}
	}
	return err
}

// UnresolvedError names the requirement that nothing in the registry satisfies.
type UnresolvedError struct {
	// Requirement is the requirement's name.
	Requirement string
	// Reason says which rule left every candidate out.
	Reason string
}

func (e *UnresolvedError) Error() string {
	return fmt.Sprintf("requirement %q: %s", e.Requirement, e.Reason)
}

// Unwrap makes errors.Is(err, ErrUnresolved) true.
func (e *UnresolvedError) Unwrap() error { return ErrUnresolved }
