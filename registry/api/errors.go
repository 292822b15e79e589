package api

import "errors"

// ErrBadTokens is returned for a tokens file that cannot be used.
var ErrBadTokens = errors.New("bad tokens file")
