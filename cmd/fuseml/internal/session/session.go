package session

import (
	"io"
	"time"

	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// DefaultTimeout bounds each request to the registry (FuseML's default: 30 seconds).
const DefaultTimeout = 30 * time.Second

// Session is the state shared by the commands of one run.
type Session struct {
	// URL is the registry's URL (--url, FUSEML_SERVER_URL).
	URL string
	// Token is the bearer token (--token, FUSEML_TOKEN).
	Token string
	// Timeout bounds each request (--timeout).
	Timeout time.Duration
	// Verbose logs each request to Err (--verbose).
	Verbose bool

	// In, Out and Err are the streams.
	In       io.Reader
	Out, Err io.Writer

	// RetryWaitMin and RetryWaitMax bound the backoff between the client's two
	// retries (defaults: 100ms and 1s).
	RetryWaitMin, RetryWaitMax time.Duration

	client *client.Client
	// terminal reports whether a reader is an interactive terminal (tests replace it).
	terminal func(io.Reader) bool
}
