package client

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/api"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
	"github.com/openmodelops/fuseml-seldon/registry/store"
)

const (
	adminToken  = "client-admin-token-0001"
	editorToken = "client-editor-token-0001"
)

// server runs the real handler over a real SQLite store.
func server(t *testing.T) string {
	t.Helper()
	c, err := seal.New(bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	s, err := store.Open(context.Background(), store.Config{Path: filepath.Join(t.TempDir(), "r.db"), Cipher: c})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	tokens := api.NewTokens()
	require.NoError(t, tokens.Add(adminToken, api.Principal{Name: "admin", Role: api.RoleAdmin}))
	require.NoError(t, tokens.Add(editorToken, api.Principal{Name: "editor", Role: api.RoleEditor}))
	srv := httptest.NewServer(api.New(api.Config{Store: s, Tokens: tokens}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func newClient(t *testing.T, url, token string) *Client {
	t.Helper()
	c, err := New(Config{URL: url, Token: token, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	require.NoError(t, err)
	return c
}

func TestEveryMethod(t *testing.T) {
	ctx := context.Background()
	url := server(t)
	c := newClient(t, url, editorToken)
	admin := newClient(t, url, adminToken)

	require.NoError(t, c.Health(ctx))
	require.NoError(t, c.Ready(ctx))

	ext, err := c.RegisterExtension(ctx, registry.Extension{Product: "minio", Version: "1.0.0", Zone: "z",
		Services: []registry.Service{{ID: "s3", Resource: "s3", AuthRequired: true,
			Endpoints:   []registry.Endpoint{{URL: "http://minio:9000/a b?c=d", Type: registry.EndpointInternal}},
			Credentials: []registry.Credentials{{ID: "c1", Configuration: map[string]string{"SECRET": "v1"}}},
		}}})
	require.NoError(t, err)
	assert.Regexp(t, `^minio-[a-z0-9]{8}$`, ext.ID)
	assert.Equal(t, registry.Redacted, ext.Services[0].Credentials[0].Configuration["SECRET"])

	got, err := c.GetExtension(ctx, ext.ID)
	require.NoError(t, err)
	assert.Equal(t, ext.ID, got.ID)
	list, err := c.ListExtensions(ctx, registry.Query{Product: "minio", Zone: "z", StrictZone: true, User: "u"})
	require.NoError(t, err)
	require.Len(t, list, 1)
	ext.Version = "1.1.0"
	ext.Services = nil
	up, err := c.UpdateExtension(ctx, ext)
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", up.Version)

	svc, err := c.AddService(ctx, ext.ID, registry.Service{ID: "ui", Resource: "ui"})
	require.NoError(t, err)
	assert.Equal(t, ext.ID, svc.ExtensionID)
	svcs, err := c.ListServices(ctx, ext.ID)
	require.NoError(t, err)
	assert.Len(t, svcs, 2)
	svc.Category = "console"
	svc, err = c.UpdateService(ctx, svc)
	require.NoError(t, err)
	assert.Equal(t, "console", svc.Category)
	svc, err = c.GetService(ctx, ext.ID, "ui")
	require.NoError(t, err)
	assert.Equal(t, "console", svc.Category)

	// an endpoint URL with a path, a space and a query travels in the path
	ep, err := c.GetEndpoint(ctx, ext.ID, "s3", "http://minio:9000/a b?c=d")
	require.NoError(t, err)
	assert.Equal(t, "http://minio:9000/a b?c=d", ep.URL)
	_, err = c.AddEndpoint(ctx, ext.ID, "s3", registry.Endpoint{URL: "https://minio.example.com"})
	require.NoError(t, err)
	eps, err := c.ListEndpoints(ctx, ext.ID, "s3")
	require.NoError(t, err)
	assert.Len(t, eps, 2)
	ep.Configuration = map[string]string{"K": "v"}
	ep, err = c.UpdateEndpoint(ctx, ep)
	require.NoError(t, err)
	assert.Equal(t, "v", ep.Configuration["K"])
	require.NoError(t, c.DeleteEndpoint(ctx, ext.ID, "s3", "https://minio.example.com"))

	cr, err := c.AddCredentials(ctx, ext.ID, "s3", registry.Credentials{ID: "c2", Scope: registry.ScopeUser, Users: []string{"u"}, Configuration: map[string]string{"SECRET": "v2"}})
	require.NoError(t, err)
	assert.Equal(t, registry.Redacted, cr.Configuration["SECRET"])
	creds, err := c.ListCredentials(ctx, ext.ID, "s3", false)
	require.NoError(t, err)
	assert.Len(t, creds, 2)
	_, err = c.GetCredentials(ctx, ext.ID, "s3", "c2", true)
	assert.Equal(t, http.StatusForbidden, statusOf(err), "editors may not reveal")
	revealed, err := admin.GetCredentials(ctx, ext.ID, "s3", "c2", true)
	require.NoError(t, err)
	assert.Equal(t, "v2", revealed.Configuration["SECRET"])
	all, err := admin.ListCredentials(ctx, ext.ID, "s3", true)
	require.NoError(t, err)
	assert.Equal(t, "v1", all[0].Configuration["SECRET"])
	cr.Default = true
	cr, err = c.UpdateCredentials(ctx, cr) // redacted value sent back: kept
	require.NoError(t, err)
	assert.True(t, cr.Default)

	res, err := c.Resolve(ctx, registry.ResolveRequest{Consumer: registry.Consumer{User: "u", Zone: "z"},
		Requirements: []registry.Requirement{{Name: "store", Product: "minio", ServiceResource: "s3"}}})
	require.NoError(t, err)
	assert.Equal(t, "c2", res.Accesses[0].Credentials.ID)
	assert.Equal(t, map[string]string{"K": "v", "SECRET": "v2"}, res.Env)
	_, err = c.Resolve(ctx, registry.ResolveRequest{Requirements: []registry.Requirement{{Name: "nothing", Product: "none"}}})
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "nothing", ce.Requirement)
	assert.ErrorIs(t, err, registry.ErrUnresolved)

	require.NoError(t, c.DeleteCredentials(ctx, ext.ID, "s3", "c2"))
	require.NoError(t, c.DeleteService(ctx, ext.ID, "ui"))
	require.NoError(t, c.DeleteExtension(ctx, ext.ID))
	_, err = c.GetExtension(ctx, ext.ID)
	assert.ErrorIs(t, err, registry.ErrNotFound)

	app := registry.Application{Name: "iris", Type: "predictor", URL: "http://iris", Workflow: "wf", K8sNamespace: "ns",
		K8sResources: []registry.KubernetesResource{{Kind: "SeldonDeployment", Name: "iris"}}}
	stored, created, err := c.RegisterApplication(ctx, app, false)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, registry.StateReady, stored.Status.State)
	_, created, err = c.RegisterApplication(ctx, app, false)
	require.NoError(t, err)
	assert.False(t, created)
	app.Workflow = "other"
	_, _, err = c.RegisterApplication(ctx, app, false)
	assert.ErrorIs(t, err, registry.ErrConflict)
	_, _, err = c.RegisterApplication(ctx, app, true)
	require.NoError(t, err)
	apps, err := c.ListApplications(ctx, registry.ApplicationFilter{Workflow: "other", Type: "predictor"})
	require.NoError(t, err)
	assert.Len(t, apps, 1)
	one, err := c.GetApplication(ctx, "iris")
	require.NoError(t, err)
	assert.Equal(t, "other", one.Workflow)
	del, err := c.DeleteApplication(ctx, "iris")
	require.NoError(t, err)
	assert.False(t, del.KubernetesDeleted)
	assert.Equal(t, []registry.KubernetesResource{{Kind: "SeldonDeployment", Name: "iris"}}, del.K8sResources)
	_, err = c.DeleteApplication(ctx, "iris")
	assert.ErrorIs(t, err, registry.ErrNotFound)

	_, err = c.RegisterExtension(ctx, registry.Extension{ID: "Not Valid"})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "id", ce.Field)
	assert.ErrorIs(t, err, registry.ErrInvalid)
}

func statusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// flaky answers with the given status codes in turn, then 200 with "[]".
func flaky(t *testing.T, codes ...int) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1))
		if n <= len(codes) {
			w.WriteHeader(codes[n-1])
			_, _ = w.Write([]byte(`{"error": "try again"}`))
			return
		}
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		codes    []int
		wantHits int32
		wantCode int
	}{
		{"5xx then success", []int{503, 502, 500}, 4, 0},
		{"429 then success", []int{429}, 2, 0},
		{"a 4xx is never retried", []int{400}, 1, 400},
		{"403 is never retried", []int{403}, 1, 403},
		{"501 is not retried", []int{501}, 1, 501},
		{"gives up after the cap with the last answer", []int{500, 500, 500, 500, 500, 500}, 3, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := flaky(t, tt.codes...)
			c, err := New(Config{URL: srv.URL, Token: editorToken, RetryMax: 2 + boolInt(tt.wantHits == 4), RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
			require.NoError(t, err)
			_, err = c.ListApplications(ctx, registry.ApplicationFilter{})
			assert.Equal(t, tt.wantHits, hits.Load())
			assert.Equal(t, tt.wantCode, statusOf(err))
			if tt.wantCode != 0 {
				assert.Contains(t, err.Error(), "try again", "the server's message")
				assert.NotContains(t, err.Error(), editorToken)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestConnectionErrorsAreRetriedAndCarryNoToken(t *testing.T) {
	// a listener that accepts and drops every connection: a connection error each time
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close()
		}
	}()
	// a token may be in the URL too, as its password or as its user name
	for _, userinfo := range []string{"user:pw-" + adminToken, adminToken} {
		accepted.Store(0)
		c, err := New(Config{URL: "http://" + userinfo + "@" + l.Addr().String(), Token: editorToken, RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
		require.NoError(t, err)
		_, err = c.GetApplication(context.Background(), "x")
		require.Error(t, err)
		assert.Equal(t, int32(3), accepted.Load(), "one try and two retries")
		assert.NotContains(t, err.Error(), editorToken)
		assert.NotContains(t, err.Error(), adminToken)
		assert.Contains(t, err.Error(), "http://***@"+l.Addr().String()+"/applications/x", "the URL, redacted")
	}
}

func TestRedactURL(t *testing.T) {
	for raw, want := range map[string]string{
		"http://registry:8080":            "http://registry:8080",
		"http://user:secret@registry/x?y": "http://***@registry/x?y",
		"http://secret@registry":          "http://***@registry",
		"https://user:***@registry":       "https://***@registry",
		"secret@registry":                 "(not shown: no scheme://host, and it holds @)",
		"http://sec ret@registry":         "(unparsable URL)",
	} {
		assert.Equal(t, want, RedactURL(raw), raw)
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	srv, hits := flaky(t, 503, 503, 503, 503, 503, 503, 503, 503)
	c, err := New(Config{URL: srv.URL, RetryMax: 8, RetryWaitMin: time.Hour, RetryWaitMax: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for hits.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err = c.ListApplications(ctx, registry.ApplicationFilter{})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(1), hits.Load())
}

func TestNew(t *testing.T) {
	_, err := New(Config{})
	assert.ErrorIs(t, err, ErrNoURL)
	_, err = New(Config{URL: "not a url"})
	assert.Error(t, err)
	_, err = New(Config{URL: adminToken + "@registry:8080"})
	assert.ErrorContains(t, err, "want scheme://host[:port]")
	assert.NotContains(t, err.Error(), adminToken)
}

// TestRetryFor: with a time budget instead of a count, a registry answering 503 for
// longer than RetryMax's backoff would wait is waited for; past the budget the error
// says how long the client tried.
func TestRetryFor(t *testing.T) {
	codes := make([]int, 12)
	for i := range codes {
		codes[i] = 503
	}
	srv, hits := flaky(t, codes...)
	c, err := New(Config{URL: srv.URL, Token: editorToken, RetryFor: 10 * time.Second, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	require.NoError(t, err)
	_, err = c.ListApplications(context.Background(), registry.ApplicationFilter{})
	require.NoError(t, err, "12 answers 503, then a success, well within the budget")
	assert.Equal(t, int32(13), hits.Load())

	always := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(always.Close)
	c, err = New(Config{URL: always.URL, Token: editorToken, RetryFor: 300 * time.Millisecond, RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond})
	require.NoError(t, err)
	_, err = c.ListApplications(context.Background(), registry.ApplicationFilter{})
	require.Error(t, err)
	assert.Equal(t, 503, statusOf(err))
	assert.Regexp(t, `gave up after \d+ attempts in [0-9.]+m?s\)$`, err.Error())
}
