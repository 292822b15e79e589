package client

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// ErrNoURL is returned by New without a server URL.
var ErrNoURL = errors.New("no registry URL given")

// Error is an answer of the server that is not a success: its status code and the
// server's own message (never the token).
type Error struct {
	// Method and Path name the request.
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is the server's error message.
	Message string
	// Field names the invalid field of a 400 answer.
	Field string
	// Requirement names the unresolved requirement of a resolve answer.
	Requirement string
	// Retries says how long the request was retried before this answer, if it was.
	Retries string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("registry: %s %s: %d: %s%s", e.Method, e.Path, e.StatusCode, msg, e.Retries)
}

// Is maps status codes to the registry's sentinel errors.
func (e *Error) Is(target error) bool {
	switch e.StatusCode {
	case http.StatusNotFound:
		return target == registry.ErrNotFound || (e.Requirement != "" && target == registry.ErrUnresolved)
	case http.StatusConflict:
		return target == registry.ErrExists || target == registry.ErrConflict
	case http.StatusBadRequest:
		return target == registry.ErrInvalid
	case http.StatusNotImplemented:
		return target == registry.ErrNoEncryptionKey
	}
	return false
}
