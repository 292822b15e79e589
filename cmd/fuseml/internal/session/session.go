package session

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
	"sigs.k8s.io/yaml"

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

	// RetryWait bounds the client's backoff between retries (defaults: 100ms to 1s).
	RetryWaitMin, RetryWaitMax time.Duration

	client *client.Client
	// terminal reports whether a reader is an interactive terminal (tests replace it).
	terminal func(io.Reader) bool
}

// UsageError is a wrong command line (exit code 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ErrNoURL is returned by Client when no registry URL was given.
var ErrNoURL = &UsageError{Msg: "no registry URL: pass --url or set FUSEML_SERVER_URL"}

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

// IsTerminal reports whether the input is an interactive terminal.
func (s *Session) IsTerminal() bool {
	if s.terminal != nil {
		return s.terminal(s.In)
	}
	f, ok := s.In.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Confirm asks a yes/no question on a terminal. Without one it refuses with a usage
// error that names the flag that skips the question.
func (s *Session) Confirm(ctx context.Context, question, skipFlag string) (bool, error) {
	if !s.IsTerminal() {
		return false, Usagef("%s: the input is not a terminal, so nothing can confirm it; pass --%s", strings.TrimSuffix(question, "?"), skipFlag)
	}
	fmt.Fprintf(s.Err, "%s [y/N]: ", question)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(s.In).ReadString('\n')
		answer <- line
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(s.Err)
		return false, ctx.Err()
	case line := <-answer:
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		}
		return false, nil
	}
}

// ReadFile reads a named file, or the input when name is "-".
func (s *Session) ReadFile(name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(s.In)
		if err != nil {
			return nil, fmt.Errorf("reading the standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return data, nil
}

// RedactedURL is the session's URL without userinfo, for messages.
func (s *Session) RedactedURL() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Decode reads a YAML or JSON document (a file, or the input for "-") into v with the
// registry's field names, refusing unknown fields so that a misspelt one is not
// silently dropped.
func (s *Session) Decode(name string, v any) error {
	data, err := s.ReadFile(name)
	if err != nil {
		return err
	}
	switch n := documents(data); {
	case n == 0:
		return fmt.Errorf("%s: empty document", displayName(name))
	case n > 1:
		return fmt.Errorf("%s: holds %d YAML documents; give one per file", displayName(name), n)
	}
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		return fmt.Errorf("%s: %w", displayName(name), err)
	}
	return nil
}

// documents counts the YAML documents that hold more than blanks and comments.
func documents(data []byte) int {
	n, content := 0, false
	for _, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(line, "---") && strings.TrimSpace(strings.TrimPrefix(line, "---")) == "" {
			if content {
				n++
			}
			content = false
			continue
		}
		if t != "" && !strings.HasPrefix(t, "#") {
			content = true
		}
	}
	if content {
		n++
	}
	return n
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// Args returns the command's arguments, which must be exactly as many as names (each
// named in the usage error).
func Args(c *cli.Context, names ...string) ([]string, error) {
	got := c.Args().Slice()
	if len(got) == len(names) {
		return got, nil
	}
	help := c.Command.HelpName
	if len(got) < len(names) {
		return nil, Usagef("%s needs %s (see '%s --help')", help, strings.Join(names[len(got):], ", "), help)
	}
	return nil, Usagef("%s takes %d argument(s) (%s), got %d (see '%s --help')", help, len(names), strings.Join(names, ", "), len(got), help)
}
