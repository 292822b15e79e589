package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/client"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
)

const token = "server-test-admin-token-01"

// running is a registry started through Run, as the binary starts it.
type running struct {
	url    string
	stop   context.CancelFunc
	done   chan error
	stderr *lockedBuffer
	once   sync.Once
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs "fuseml-registry serve args..." and waits until it listens, or returns
// the error it stopped with.
func start(t *testing.T, args ...string) (*running, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	r := &running{stop: cancel, done: make(chan error, 1), stderr: &lockedBuffer{}}
	go func() {
		err := Run(ctx, append([]string{"fuseml-registry", "serve", "--listen", "127.0.0.1:0"}, args...), pw, r.stderr)
		pw.CloseWithError(fmt.Errorf("server stopped: %v", err))
		r.done <- err
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			r.url = u
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			t.Cleanup(func() { r.shutdown(t) })
			return r, nil
		}
	}
	cancel()
	return nil, <-r.done
}

func (r *running) shutdown(t *testing.T) {
	r.once.Do(func() {
		r.stop()
		require.NoError(t, <-r.done)
	})
}

func writeFile(t *testing.T, dir, name, content string) string {
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestRestartKeepsEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server three times")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "registry.db")
	tokens := writeFile(t, dir, "tokens", token+",ada,admin\n")
	key := writeFile(t, dir, "key", seal.NewKey())
	args := []string{"--database", db, "--tokens-file", tokens, "--encryption-key-file", key}

	first, err := start(t, args...)
	require.NoError(t, err)
	c, err := client.New(client.Config{URL: first.url, Token: token})
	require.NoError(t, err)
	_, err = c.RegisterExtension(ctx, registry.Extension{ID: "minio", Product: "minio", Services: []registry.Service{{
		ID: "s3", AuthRequired: true, Endpoints: []registry.Endpoint{{URL: "http://minio:9000"}},
		Credentials: []registry.Credentials{{ID: "c", Configuration: map[string]string{"AWS_SECRET_ACCESS_KEY": "kept-secret-value"}}},
	}}})
	require.NoError(t, err)
	_, _, err = c.RegisterApplication(ctx, registry.Application{Name: "iris", Type: "predictor", Workflow: "wf", K8sNamespace: "ns", URL: "http://iris"}, false)
	require.NoError(t, err)
	first.shutdown(t)
	assert.NotContains(t, first.stderr.String(), "kept-secret-value")
	assert.NotContains(t, first.stderr.String(), token)

	second, err := start(t, args...)
	require.NoError(t, err)
	c, err = client.New(client.Config{URL: second.url, Token: token})
	require.NoError(t, err)
	creds, err := c.GetCredentials(ctx, "minio", "s3", "c", true)
	require.NoError(t, err)
	assert.Equal(t, "kept-secret-value", creds.Configuration["AWS_SECRET_ACCESS_KEY"], "credentials still decrypt")
	app, err := c.GetApplication(ctx, "iris")
	require.NoError(t, err)
	assert.Len(t, app.History, 1)
	second.shutdown(t)

	wrongKey := writeFile(t, dir, "wrong-key", seal.NewKey())
	_, err = start(t, "--database", db, "--tokens-file", tokens, "--encryption-key-file", wrongKey)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refusing to start")
	assert.Contains(t, err.Error(), "encryption key does not match")

	t.Setenv(seal.EnvKey, "")
	_, err = start(t, "--database", db, "--tokens-file", tokens)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "encryption key is required")
}

func TestFirstStartPrintsAnAdminTokenOnce(t *testing.T) {
	dir := t.TempDir()
	tokens := filepath.Join(dir, "tokens")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"fuseml-registry", "serve", "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "r.db"), "--tokens-file", tokens}, pw, io.Discard)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	var printed, url string
	for url == "" && sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "admin token (shown once): "); ok {
			printed = v
		}
		if u, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			url = u
		}
	}
	require.NotEmpty(t, url, "the server did not start")
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NotEmpty(t, printed)
	file, err := os.ReadFile(tokens)
	require.NoError(t, err)
	assert.Contains(t, string(file), printed+",admin,admin")
	info, err := os.Stat(tokens)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	c, err := client.New(client.Config{URL: url, Token: printed})
	require.NoError(t, err)
	_, err = c.ListApplications(context.Background(), registry.ApplicationFilter{})
	require.NoError(t, err)
	// a server without a key refuses credentials, clearly
	_, err = c.RegisterExtension(context.Background(), registry.Extension{ID: "x", Services: []registry.Service{{ID: "s", Credentials: []registry.Credentials{{ID: "c"}}}}})
	assert.ErrorIs(t, err, registry.ErrNoEncryptionKey)
	assert.Contains(t, err.Error(), "--encryption-key-file")
	cancel()
	require.NoError(t, <-done)

	// the second start reads the file and prints nothing
	var out bytes.Buffer
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_ = Run(ctx2, []string{"fuseml-registry", "serve", "--listen", "127.0.0.1:0", "--database", filepath.Join(dir, "r.db"), "--tokens-file", tokens}, &out, io.Discard)
	assert.NotContains(t, out.String(), "admin token")
}

func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	dir := t.TempDir()
	tokens := writeFile(t, dir, "tokens", token+",ada,admin\n")
	r, err := start(t, "--database", filepath.Join(dir, "r.db"), "--tokens-file", tokens)
	require.NoError(t, err)

	// A request in flight when the shutdown starts: with "Expect: 100-continue" the
	// server answers "100 Continue" only once the handler reads the body, so the
	// request is surely being served before the server is told to stop.
	body := `{"name": "late", "type": "predictor", "workflow": "wf", "k8s_namespace": "ns", "url": "http://late"}`
	conn, err := net.Dial("tcp", strings.TrimPrefix(r.url, "http://"))
	require.NoError(t, err)
	defer conn.Close()
	_, err = fmt.Fprintf(conn, "POST /applications HTTP/1.1\r\nHost: registry\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", token, len(body))
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	_, err = br.ReadString('\n')
	require.NoError(t, err)

	r.stop() // the shutdown starts while the handler waits for the body
	_, err = io.WriteString(conn, body)
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	r.shutdown(t)
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"fuseml-registry", "keygen"}, &out, io.Discard))
	_, err := seal.ParseKey(bytes.TrimSpace(out.Bytes()))
	require.NoError(t, err)
	err = Run(context.Background(), []string{"fuseml-registry", "serve", "--log-format", "xml"}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, ErrUsage)
	err = Run(context.Background(), []string{"fuseml-registry", "serve", "--database-url", "mysql://x"}, io.Discard, io.Discard)
	assert.ErrorContains(t, err, "postgres")
}
