package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/output"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// Exit codes.
const (
	ExitOK           = 0
	ExitError        = 1 // anything else
	ExitUsage        = 2 // a wrong command line
	ExitNotFound     = 3 // the application, extension... does not exist
	ExitConflict     = 4 // it exists already, or belongs to another workflow
	ExitUnauthorized = 5 // the token is missing, unknown, or may not do this
	ExitUnreachable  = 6 // no answer from the registry
)

// ExitCode maps an error of Run to the process's exit status.
func ExitCode(err error) int {
	var ue *session.UsageError
	var ce *client.Error
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue), errors.Is(err, output.ErrUnknownFormat), errors.Is(err, output.ErrUnknownColumn):
		return ExitUsage
	case errors.As(err, &ce) && (ce.StatusCode == http.StatusUnauthorized || ce.StatusCode == http.StatusForbidden):
		return ExitUnauthorized
	case errors.Is(err, registry.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, registry.ErrExists), errors.Is(err, registry.ErrConflict):
		return ExitConflict
	case unreachable(err):
		return ExitUnreachable
	}
	return ExitError
}

// unreachable reports an error without an answer from the server: a refused or
// dropped connection, a name that does not resolve, a timeout.
func unreachable(err error) bool {
	var ce *client.Error
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) {
		return false
	}
	var ue *url.Error
	var oe *net.OpError
	var de *net.DNSError
	return errors.As(err, &ue) || errors.As(err, &oe) || errors.As(err, &de) || errors.Is(err, context.DeadlineExceeded)
}

// explained is an error with a message for people, keeping the original chain for
// errors.Is and errors.As.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// explain shortens the registry client's part of an error to the server's own
// message (the method, path and status code stay in --verbose), and adds what to do
// about a missing token or an unreachable server.
func explain(s *session.Session, err error) error {
	if err == nil || s.Verbose {
		return err
	}
	msg := err.Error()
	var ce *client.Error
	switch {
	case errors.As(err, &ce):
		short := ce.Message
		if short == "" {
			short = strings.ToLower(http.StatusText(ce.StatusCode))
		}
		msg = strings.Replace(msg, ce.Error(), short, 1)
		if ce.StatusCode == http.StatusUnauthorized {
			msg += " (pass a token with --token or FUSEML_TOKEN)"
		}
	case unreachable(err):
		var ue *url.Error
		if errors.As(err, &ue) {
			// "registry: GET /path: Get "URL": dial tcp ...: connection refused"
			msg = strings.Replace(msg, wrapperOf(err, ue).Error(), "cannot reach the registry: "+cause(ue), 1)
		}
		msg = fmt.Sprintf("%s (is the registry running at %s? set --url or FUSEML_SERVER_URL)", msg, s.RedactedURL())
	default:
		return err
	}
	return &explained{msg: msg, err: err}
}

// wrapperOf returns the error of the chain that wraps target directly (the client's
// "registry: METHOD PATH: ..."), or target itself.
func wrapperOf(err, target error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.Unwrap(e) == target {
			return e
		}
	}
	return target
}

// cause is the network part of a *url.Error ("dial tcp 127.0.0.1:1: connect:
// connection refused"), without the request it repeats.
func cause(ue *url.Error) string {
	var oe *net.OpError
	if errors.As(ue, &oe) {
		return oe.Error()
	}
	return ue.Err.Error()
}
