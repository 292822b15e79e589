package server

import "errors"

// ErrUsage is returned for a command line that cannot be run.
var ErrUsage = errors.New("usage")
