package session

import "fmt"

// UsageError is a wrong command line (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ErrNoURL is returned by Client when no registry URL was given.
var ErrNoURL = &UsageError{Msg: "no registry URL: pass --url or set FUSEML_SERVER_URL"}
