package session

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// Client returns the registry client, built on first use.
func (s *Session) Client() (*client.Client, error) {
	if s.client != nil {
		return s.client, nil
	}
	if s.URL == "" {
		return nil, ErrNoURL
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var rt http.RoundTripper = http.DefaultTransport
	if s.Verbose {
		rt = &logTransport{next: rt, log: slog.New(slog.NewTextHandler(s.Err, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	}
	waitMin, waitMax := s.RetryWaitMin, s.RetryWaitMax
	if waitMin <= 0 {
		waitMin = 100 * time.Millisecond
	}
	if waitMax <= 0 {
		waitMax = time.Second
	}
	c, err := client.New(client.Config{
		URL: s.URL, Token: s.Token,
		HTTPClient: &http.Client{Timeout: timeout, Transport: rt},
		// a person is waiting: two quick retries, then say what failed
		RetryMax: 2, RetryWaitMin: waitMin, RetryWaitMax: waitMax,
	})
	if err != nil {
		return nil, &UsageError{Msg: fmt.Sprintf("--url: %v", err)}
	}
	s.client = c
	return c, nil
}

// logTransport logs each request's method, redacted URL, status and duration; never
// a header or a body.
type logTransport struct {
	next http.RoundTripper
	log  *slog.Logger
}

func (t *logTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	u := *r.URL
	u.User = nil
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		t.log.Debug("request", "method", r.Method, "url", u.String(), "err", err, "duration", time.Since(start))
		return nil, err
	}
	t.log.Debug("request", "method", r.Method, "url", u.String(), "status", resp.StatusCode, "duration", time.Since(start))
	return resp, nil
}

// RedactedURL is the session's URL with any userinfo as ***, for messages.
func (s *Session) RedactedURL() string { return client.RedactURL(s.URL) }
