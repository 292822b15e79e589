package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/internal/pgtest"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
	"github.com/openmodelops/fuseml-seldon/registry/store"
)

const (
	adminToken  = "admin-token-0123456789"
	editorToken = "editor-token-0123456789"
	readerToken = "reader-token-0123456789"
)

// secrets are the credential values of the fixtures: none may reach a log line.
var secrets = []string{"s3cr3t-example-value-0001", "team-s3cr3t-value-0002", "AKIAEXAMPLEKEY01", adminToken, editorToken, readerToken}

type env struct {
	t      testing.TB
	srv    *httptest.Server
	store  *store.DB
	h      *Handler
	logBuf *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type options struct {
	noKey   bool
	deleter ResourceDeleter
	now     func() time.Time
	// postgresURL runs the handler on PostgreSQL instead of SQLite.
	postgresURL string
}

func newEnv(t testing.TB, o options) *env {
	t.Helper()
	var cipher store.Cipher
	if !o.noKey {
		c, err := seal.New(bytes.Repeat([]byte{3}, 32))
		require.NoError(t, err)
		cipher = c
	}
	s, err := store.Open(context.Background(), store.Config{Path: filepath.Join(t.TempDir(), "r.db"), URL: o.postgresURL, Cipher: cipher})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	tokens := NewTokens()
	require.NoError(t, tokens.Add(adminToken, Principal{Name: "ada", Role: RoleAdmin}))
	require.NoError(t, tokens.Add(editorToken, Principal{Name: "ed", Role: RoleEditor}))
	require.NoError(t, tokens.Add(readerToken, Principal{Name: "rita", Role: RoleReader}))
	buf := &syncBuffer{}
	h := New(Config{Store: s, Tokens: tokens, Logger: slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), Deleter: o.deleter, Now: o.now})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, store: s, h: h, logBuf: buf}
	t.Cleanup(func() {
		logs := buf.String()
		for _, sec := range secrets {
			assert.NotContains(t, logs, sec, "a secret reached the log")
		}
	})
	return e
}

// call sends a request and returns the status and body.
func (e *env) call(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp.StatusCode, data
}

func (e *env) must(method, path, token string, body any, want int) []byte {
	e.t.Helper()
	code, data := e.call(method, path, token, body)
	require.Equal(e.t, want, code, "%s %s: %s", method, path, data)
	return data
}

func decodeAs[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(data, &v), string(data))
	return v
}

func example(t *testing.T) []byte {
	data, err := os.ReadFile("testdata/mlflow-extension.json")
	require.NoError(t, err)
	return data
}

func TestFuseMLExampleDescriptor(t *testing.T) {
	e := newEnv(t, options{})
	got := decodeAs[registry.Extension](t, e.must("POST", "/extensions", editorToken, example(t), http.StatusCreated))
	assert.Equal(t, "mlflow-0001", got.ID)
	require.Len(t, got.Services, 2)
	store := got.Services[0]
	assert.Equal(t, "mlflow-store", store.ID, "services are ordered by id")
	assert.True(t, store.AuthRequired)
	require.Len(t, store.Credentials, 2)
	assert.Equal(t, map[string]string{"AWS_ACCESS_KEY_ID": "***", "AWS_SECRET_ACCESS_KEY": "***"}, store.Credentials[0].Configuration)
	assert.Equal(t, "mlflow-0001", store.Credentials[0].ExtensionID)
	require.Len(t, store.Endpoints, 2)
	assert.Equal(t, "http://minio.10.110.120.130.nip.io", store.Endpoints[0].URL, "endpoints are ordered by URL")

	again := decodeAs[registry.Extension](t, e.must("GET", "/extensions/mlflow-0001", readerToken, nil, http.StatusOK))
	assert.Equal(t, "1.19.0", again.Version)
	assert.Nil(t, again.Services[0].Credentials, "readers see no credentials")

	// the same descriptor again: 409
	e.must("POST", "/extensions", editorToken, example(t), http.StatusConflict)

	// without ids: generated, FuseML style
	var anon map[string]any
	require.NoError(t, json.Unmarshal(example(t), &anon))
	delete(anon, "id")
	for _, s := range anon["services"].([]any) {
		delete(s.(map[string]any), "id")
		creds, _ := s.(map[string]any)["credentials"].([]any)
		for _, c := range creds {
			delete(c.(map[string]any), "id")
		}
	}
	gen := decodeAs[registry.Extension](t, e.must("POST", "/extensions", editorToken, anon, http.StatusCreated))
	assert.Regexp(t, `^mlflow-[a-z0-9]{8}$`, gen.ID)
	ids := []string{gen.Services[0].ID, gen.Services[1].ID}
	assert.Contains(t, strings.Join(ids, " "), "mlflow-tracking-")
	assert.Contains(t, strings.Join(ids, " "), "s3-")
}

func TestEveryPathAndCode(t *testing.T) {
	everyPathAndCode(t, newEnv(t, options{}))
}

// TestOnPostgres runs the path walk and the applications on PostgreSQL.
func TestOnPostgres(t *testing.T) {
	srv := pgtest.Start(t)
	t.Run("paths", func(t *testing.T) {
		everyPathAndCode(t, newEnv(t, options{postgresURL: srv.NewDatabase(t)}))
	})
	t.Run("applications", func(t *testing.T) {
		applications(t, newEnv(t, options{postgresURL: srv.NewDatabase(t)}))
	})
}

func everyPathAndCode(t *testing.T, e *env) {
	e.must("POST", "/extensions", editorToken, example(t), http.StatusCreated)
	ext := "/extensions/mlflow-0001"
	svc := ext + "/services/mlflow-store"
	epURL := "http://mlflow-minio.fuseml-core:9000"
	ep := svc + "/endpoints/" + url.PathEscape(epURL)
	cred := svc + "/credentials/default-s3-account"

	steps := []struct {
		method, path string
		body         any
		code         int
		check        func(t *testing.T, body []byte)
	}{
		{"GET", "/extensions", nil, 200, func(t *testing.T, b []byte) { assert.Len(t, decodeAs[[]registry.Extension](t, b), 1) }},
		{"GET", "/extensions?product=nope", nil, 200, func(t *testing.T, b []byte) { assert.Equal(t, "[]\n", string(b)) }},
		{"GET", "/extensions?type=public", nil, 400, func(t *testing.T, b []byte) {
			assert.Equal(t, "type", decodeAs[errorBody](t, b).Field)
		}},
		{"GET", "/extensions?zone=elsewhere&service_resource=s3&project=ml-team", nil, 200, func(t *testing.T, b []byte) {
			exts := decodeAs[[]registry.Extension](t, b)
			require.Len(t, exts, 1)
			require.Len(t, exts[0].Services, 1)
			assert.Equal(t, []string{"http://minio.10.110.120.130.nip.io"}, []string{exts[0].Services[0].Endpoints[0].URL}, "another zone sees only external endpoints")
			assert.Len(t, exts[0].Services[0].Credentials, 2, "global and the project's")
		}},
		{"GET", ext, nil, 200, nil},
		{"GET", "/extensions/nope", nil, 404, nil},
		{"PUT", ext, map[string]any{"product": "mlflow", "version": "1.20.0", "zone": "cluster.local"}, 200, func(t *testing.T, b []byte) {
			got := decodeAs[registry.Extension](t, b)
			assert.Equal(t, "1.20.0", got.Version)
			assert.Len(t, got.Services, 2, "services kept")
		}},
		{"PUT", ext, map[string]any{"id": "other"}, 400, func(t *testing.T, b []byte) { assert.Equal(t, "id", decodeAs[errorBody](t, b).Field) }},
		{"PUT", "/extensions/nope", map[string]any{"product": "x"}, 404, nil},
		{"POST", "/extensions", `{"id": "Bad_Id"}`, 400, func(t *testing.T, b []byte) { assert.Equal(t, "id", decodeAs[errorBody](t, b).Field) }},
		{"POST", "/extensions", `{not json`, 400, func(t *testing.T, b []byte) { assert.Equal(t, "body", decodeAs[errorBody](t, b).Field) }},
		{"POST", "/extensions", map[string]any{"services": []any{map[string]any{"endpoints": []any{map[string]any{"url": "nope"}}}}}, 400, func(t *testing.T, b []byte) {
			assert.Equal(t, "services[0].endpoints[0].url", decodeAs[errorBody](t, b).Field)
		}},

		{"GET", ext + "/services", nil, 200, func(t *testing.T, b []byte) { assert.Len(t, decodeAs[[]registry.Service](t, b), 2) }},
		{"GET", "/extensions/nope/services", nil, 404, nil},
		{"POST", ext + "/services", map[string]any{"id": "ui", "resource": "mlflow-ui", "endpoints": []any{map[string]any{"url": "https://ui.example.com"}}}, 201, func(t *testing.T, b []byte) {
			got := decodeAs[registry.Service](t, b)
			assert.Equal(t, "mlflow-0001", got.ExtensionID)
			assert.Equal(t, registry.EndpointExternal, got.Endpoints[0].Type, "type defaults to external")
		}},
		{"POST", ext + "/services", map[string]any{"id": "ui"}, 409, nil},
		{"POST", "/extensions/nope/services", map[string]any{"id": "ui"}, 404, nil},
		{"GET", ext + "/services/ui", nil, 200, nil},
		{"GET", ext + "/services/nope", nil, 404, nil},
		{"PUT", ext + "/services/ui", map[string]any{"resource": "mlflow-ui", "category": "ui"}, 200, func(t *testing.T, b []byte) {
			got := decodeAs[registry.Service](t, b)
			assert.Equal(t, "ui", got.Category)
			assert.Len(t, got.Endpoints, 1, "endpoints kept")
		}},
		{"PUT", ext + "/services/nope", map[string]any{}, 404, nil},
		{"DELETE", ext + "/services/ui", nil, 204, nil},
		{"DELETE", ext + "/services/ui", nil, 404, nil},

		{"GET", svc + "/endpoints", nil, 200, func(t *testing.T, b []byte) { assert.Len(t, decodeAs[[]registry.Endpoint](t, b), 2) }},
		{"GET", ep, nil, 200, func(t *testing.T, b []byte) { assert.Equal(t, epURL, decodeAs[registry.Endpoint](t, b).URL) }},
		{"GET", svc + "/endpoints/" + url.PathEscape("http://unknown"), nil, 404, nil},
		{"POST", svc + "/endpoints", map[string]any{"url": "https://s3.example.com/bucket?x=1", "type": "external"}, 201, nil},
		{"POST", svc + "/endpoints", map[string]any{"url": "https://s3.example.com/bucket?x=1"}, 409, nil},
		{"POST", svc + "/endpoints", map[string]any{"url": "https://s3.example.com", "type": "public"}, 400, func(t *testing.T, b []byte) {
			assert.Equal(t, "type", decodeAs[errorBody](t, b).Field)
		}},
		{"POST", ext + "/services/nope/endpoints", map[string]any{"url": "https://x"}, 404, nil},
		{"GET", svc + "/endpoints/" + url.PathEscape("https://s3.example.com/bucket?x=1"), nil, 200, nil},
		{"PUT", ep, map[string]any{"type": "external", "configuration": map[string]string{"K": "v"}}, 200, func(t *testing.T, b []byte) {
			assert.Equal(t, "external", decodeAs[registry.Endpoint](t, b).Type)
		}},
		{"PUT", ep, map[string]any{"url": "http://other"}, 400, nil},
		{"DELETE", svc + "/endpoints/" + url.PathEscape("https://s3.example.com/bucket?x=1"), nil, 204, nil},
		{"DELETE", svc + "/endpoints/" + url.PathEscape("https://s3.example.com/bucket?x=1"), nil, 404, nil},

		{"GET", svc + "/credentials", nil, 200, func(t *testing.T, b []byte) { assert.Len(t, decodeAs[[]registry.Credentials](t, b), 2) }},
		{"GET", cred, nil, 200, func(t *testing.T, b []byte) {
			assert.Equal(t, "***", decodeAs[registry.Credentials](t, b).Configuration["AWS_SECRET_ACCESS_KEY"])
		}},
		{"GET", svc + "/credentials/nope", nil, 404, nil},
		{"POST", svc + "/credentials", map[string]any{"id": "alice", "scope": "user", "users": []string{"alice"}, "configuration": map[string]string{"AWS_SECRET_ACCESS_KEY": "alice-secret-0003"}}, 201, func(t *testing.T, b []byte) {
			got := decodeAs[registry.Credentials](t, b)
			assert.Equal(t, "***", got.Configuration["AWS_SECRET_ACCESS_KEY"])
		}},
		{"POST", svc + "/credentials", map[string]any{"id": "alice", "scope": "global"}, 409, nil},
		{"POST", svc + "/credentials", map[string]any{"scope": "user"}, 400, func(t *testing.T, b []byte) { assert.Equal(t, "users", decodeAs[errorBody](t, b).Field) }},
		{"POST", svc + "/credentials", map[string]any{"scope": "team"}, 400, func(t *testing.T, b []byte) { assert.Equal(t, "scope", decodeAs[errorBody](t, b).Field) }},
		{"PUT", svc + "/credentials/alice", map[string]any{"scope": "user", "users": []string{"alice", "bob"}, "configuration": map[string]string{"AWS_SECRET_ACCESS_KEY": "***", "EXTRA": "x"}}, 200, nil},
		{"PUT", svc + "/credentials/nope", map[string]any{"scope": "global"}, 404, nil},
		{"DELETE", svc + "/credentials/alice", nil, 204, nil},
		{"DELETE", svc + "/credentials/alice", nil, 404, nil},

		{"DELETE", svc, nil, 204, nil},
		{"GET", svc + "/credentials", nil, 404, nil},
		{"DELETE", ext, nil, 204, nil},
		{"DELETE", ext, nil, 404, nil},
		{"GET", "/no/such/path", nil, 404, nil},
		{"PATCH", ext, nil, 405, nil},
	}
	for i, s := range steps {
		t.Run(fmt.Sprintf("%02d %s %s", i, s.method, s.path), func(t *testing.T) {
			code, body := e.call(s.method, s.path, adminToken, s.body)
			require.Equal(t, s.code, code, string(body))
			if s.check != nil {
				s.check(t, body)
			}
		})
	}
}

func TestRedactedValueKeepsTheStoredOne(t *testing.T) {
	e := newEnv(t, options{})
	e.must("POST", "/extensions", editorToken, example(t), http.StatusCreated)
	cred := "/extensions/mlflow-0001/services/mlflow-store/credentials/default-s3-account"
	shown := decodeAs[registry.Credentials](t, e.must("GET", cred, editorToken, nil, 200))
	shown.Configuration["NEW"] = "new-value"
	e.must("PUT", cred, editorToken, shown, 200)
	revealed := decodeAs[registry.Credentials](t, e.must("GET", cred+"?reveal=true", adminToken, nil, 200))
	assert.Equal(t, map[string]string{"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY01", "AWS_SECRET_ACCESS_KEY": "s3cr3t-example-value-0001", "NEW": "new-value"}, revealed.Configuration)
}

func TestRolesAndRedaction(t *testing.T) {
	e := newEnv(t, options{})
	e.must("POST", "/extensions", adminToken, example(t), http.StatusCreated)
	svc := "/extensions/mlflow-0001/services/mlflow-store"
	resolve := map[string]any{"consumer": map[string]any{"zone": "cluster.local"}, "requirements": []any{map[string]any{"name": "store", "service_resource": "s3"}}}

	tests := []struct {
		name, method, path, token string
		body                      any
		code                      int
		// secretShown says whether a credential value appears in the answer
		secretShown bool
	}{
		{"no token", "GET", "/extensions", "", nil, 401, false},
		{"unknown token", "GET", "/extensions", "not-a-known-token-at-all", nil, 401, false},
		{"healthz needs no token", "GET", "/healthz", "", nil, 200, false},
		{"readyz needs one", "GET", "/readyz", "", nil, 401, false},
		{"reader lists", "GET", "/extensions", readerToken, nil, 200, false},
		{"reader reads the service, without credentials", "GET", svc, readerToken, nil, 200, false},
		{"reader may not list credentials", "GET", svc + "/credentials", readerToken, nil, 403, false},
		{"reader may not write", "POST", "/extensions", readerToken, map[string]any{"product": "x"}, 403, false},
		{"reader may not resolve", "POST", "/extensions/resolve", readerToken, resolve, 403, false},
		{"reader may not delete applications", "DELETE", "/applications/x", readerToken, nil, 403, false},
		{"editor sees redacted credentials", "GET", svc + "/credentials", editorToken, nil, 200, false},
		{"editor's tree is redacted", "GET", "/extensions/mlflow-0001", editorToken, nil, 200, false},
		{"editor's list is redacted", "GET", "/extensions?reveal=false", editorToken, nil, 200, false},
		{"editor may not reveal", "GET", svc + "/credentials?reveal=true", editorToken, nil, 403, false},
		{"admin without reveal: redacted", "GET", svc + "/credentials", adminToken, nil, 200, false},
		{"admin reveals", "GET", svc + "/credentials?reveal=true", adminToken, nil, 200, true},
		{"admin reveals the tree", "GET", "/extensions/mlflow-0001?reveal=true", adminToken, nil, 200, true},
		{"resolve gives the values to an editor", "POST", "/extensions/resolve", editorToken, resolve, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := e.call(tt.method, tt.path, tt.token, tt.body)
			require.Equal(t, tt.code, code, string(body))
			assert.Equal(t, tt.secretShown, bytes.Contains(body, []byte("s3cr3t-example-value-0001")), string(body))
			if tt.code == 401 {
				assert.Contains(t, string(body), "token")
			}
		})
	}
}

func TestResolveEndpoint(t *testing.T) {
	e := newEnv(t, options{})
	e.must("POST", "/extensions", editorToken, example(t), http.StatusCreated)
	req := registry.ResolveRequest{
		Consumer: registry.Consumer{Zone: "cluster.local", Project: "ml-team", User: "alice"},
		Requirements: []registry.Requirement{
			{Name: "tracking", Product: "mlflow", ServiceResource: "mlflow-tracking"},
			{Name: "store", Product: "mlflow", ServiceResource: "s3", Version: ">=1.0, <2"},
		},
	}
	res := decodeAs[registry.Resolution](t, e.must("POST", "/extensions/resolve", editorToken, req, 200))
	require.Len(t, res.Accesses, 2)
	assert.Equal(t, "http://mlflow.fuseml-core", res.Accesses[0].Endpoint.URL, "same zone: internal endpoint")
	assert.Equal(t, "team-s3-account", res.Accesses[1].Credentials.ID, "project credentials before global")
	assert.Equal(t, map[string]string{
		"MLFLOW_VERSION":         "1.19.0",
		"MLFLOW_TRACKING_URI":    "http://mlflow.fuseml-core",
		"MLFLOW_S3_ENDPOINT_URL": "http://mlflow-minio.fuseml-core:9000",
		"AWS_ACCESS_KEY_ID":      "AKIATEAMKEY00001",
		"AWS_SECRET_ACCESS_KEY":  "team-s3cr3t-value-0002",
	}, res.Env)

	req.Requirements = append(req.Requirements, registry.Requirement{Name: "serving", Product: "seldon-core"})
	code, body := e.call("POST", "/extensions/resolve", editorToken, req)
	require.Equal(t, 404, code)
	assert.Equal(t, "serving", decodeAs[errorBody](t, body).Requirement)

	code, body = e.call("POST", "/extensions/resolve", editorToken, registry.ResolveRequest{})
	require.Equal(t, 400, code)
	assert.Equal(t, "requirements", decodeAs[errorBody](t, body).Field)
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, options{})
	big := `{"id": "big", "description": "` + strings.Repeat("x", MaxBodyBytes) + `"}`
	code, body := e.call("POST", "/extensions", editorToken, big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, code, string(body))

	// without a Content-Length (chunked): the limit applies while reading
	req, err := http.NewRequest("POST", e.srv.URL+"/applications", io.MultiReader(strings.NewReader(`{"name": "`), strings.NewReader(strings.Repeat("a", MaxBodyBytes)), strings.NewReader(`"}`)))
	require.NoError(t, err)
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+editorToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)

	// just under the limit is fine (and then invalid for another reason)
	ok := `{"id": "ok", "description": "` + strings.Repeat("x", 900) + `"}`
	code, _ = e.call("POST", "/extensions", editorToken, ok)
	assert.Equal(t, http.StatusCreated, code)
}

func TestNoEncryptionKey(t *testing.T) {
	e := newEnv(t, options{noKey: true})
	code, body := e.call("POST", "/extensions", editorToken, example(t))
	assert.Equal(t, http.StatusNotImplemented, code)
	assert.Contains(t, string(body), "encryption key")
	e.must("POST", "/extensions", editorToken, map[string]any{"id": "plain", "services": []any{map[string]any{"id": "s"}}}, 201)
	code, _ = e.call("POST", "/extensions/plain/services/s/credentials", editorToken, map[string]any{"scope": "global"})
	assert.Equal(t, http.StatusNotImplemented, code)
}

func app(name, workflow, u string) registry.Application {
	return registry.Application{Name: name, Type: "predictor", Description: "d", URL: u, Workflow: workflow,
		K8sNamespace: "fuseml-workloads", K8sResources: []registry.KubernetesResource{{Kind: "SeldonDeployment", Name: name}, {Kind: "Secret", Name: name + "-init-container-secret"}},
		Model: "s3://mlflow/0/abc/artifacts/model", Predictor: "sklearn"}
}

func TestApplications(t *testing.T) {
	applications(t, newEnv(t, options{}))
}

func applications(t *testing.T, e *env) {
	a := app("iris", "wf1", "http://iris.seldon.example.com/seldon/fuseml-workloads/iris/api/v1.0/predictions")
	got := decodeAs[registry.Application](t, e.must("POST", "/applications", editorToken, a, http.StatusCreated))
	assert.Equal(t, registry.StateReady, got.Status.State)
	require.Len(t, got.History, 1)
	assert.Equal(t, "wf1", got.History[0].Workflow)

	e.must("POST", "/applications", editorToken, a, http.StatusOK) // same workflow: replaced
	other := a
	other.Workflow = "wf2"
	code, body := e.call("POST", "/applications", editorToken, other)
	require.Equal(t, http.StatusConflict, code)
	assert.Contains(t, decodeAs[errorBody](t, body).Error, "wf1")
	forced := decodeAs[registry.Application](t, e.must("POST", "/applications?force=true", editorToken, other, http.StatusOK))
	assert.Equal(t, "wf2", forced.Workflow)

	e.must("POST", "/applications", editorToken, app("mnist", "wf1", ""), http.StatusCreated)
	notebook := app("nb", "wf3", "http://nb")
	notebook.Type = "notebook"
	e.must("POST", "/applications", editorToken, notebook, http.StatusCreated)

	list := decodeAs[[]registry.Application](t, e.must("GET", "/applications", readerToken, nil, 200))
	assert.Len(t, list, 3)
	list = decodeAs[[]registry.Application](t, e.must("GET", "/applications?type=predictor&workflow=wf2", readerToken, nil, 200))
	require.Len(t, list, 1)
	assert.Equal(t, "iris", list[0].Name)
	mnist := decodeAs[registry.Application](t, e.must("GET", "/applications/mnist", readerToken, nil, 200))
	assert.Equal(t, registry.StateDeploying, mnist.Status.State)
	e.must("GET", "/applications/nope", readerToken, nil, 404)

	bad := a
	bad.K8sNamespace = ""
	code, body = e.call("POST", "/applications", editorToken, bad)
	require.Equal(t, 400, code)
	assert.Equal(t, "k8s_namespace", decodeAs[errorBody](t, body).Field)

	// without cluster access only the record goes, and the answer says so
	del := decodeAs[registry.ApplicationDeletion](t, e.must("DELETE", "/applications/iris", editorToken, nil, http.StatusOK))
	assert.False(t, del.KubernetesDeleted)
	assert.Contains(t, del.Message, "no cluster access")
	assert.Len(t, del.K8sResources, 2)
	e.must("GET", "/applications/iris", readerToken, nil, 404)
	e.must("DELETE", "/applications/iris", editorToken, nil, 404)
	e.must("DELETE", "/applications/mnist/extra", editorToken, nil, http.StatusNotFound)
	e.must("DELETE", "/applications/mnist/", editorToken, nil, http.StatusOK) // FuseML's path
}

func TestApplicationHistoryIsCapped(t *testing.T) {
	e := newEnv(t, options{})
	var last registry.Application
	for i := range 40 {
		a := app("iris", "wf", fmt.Sprintf("http://iris/%d", i))
		code := http.StatusOK
		if i == 0 {
			code = http.StatusCreated
		}
		last = decodeAs[registry.Application](t, e.must("POST", "/applications", editorToken, a, code))
	}
	require.Len(t, last.History, registry.MaxHistory)
	assert.Equal(t, "http://iris/8", last.History[0].URL)
	assert.Equal(t, "http://iris/39", last.History[31].URL)
	// same URL and model again: no new entry
	again := decodeAs[registry.Application](t, e.must("POST", "/applications", editorToken, app("iris", "wf", "http://iris/39"), http.StatusOK))
	assert.Equal(t, last.History, again.History)
}

// recordingDeleter stands in for the Kubernetes deleter (there is no API server in this
// package's tests): it records calls and fails for names listed in fail.
type recordingDeleter struct {
	mu    sync.Mutex
	calls []string
	fail  map[string]bool
}

func (d *recordingDeleter) Delete(_ context.Context, ns, _ string, r registry.KubernetesResource) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, ns+"/"+r.Kind+"/"+r.Name)
	if d.fail[r.Name] {
		return fmt.Errorf("forbidden")
	}
	return nil
}

func TestDeleteApplicationWithClusterAccess(t *testing.T) {
	d := &recordingDeleter{fail: map[string]bool{"broken": true}}
	e := newEnv(t, options{deleter: d})
	e.must("POST", "/applications", editorToken, app("iris", "wf", "http://iris"), 201)
	e.must("DELETE", "/applications/iris", editorToken, nil, http.StatusNoContent)
	assert.Equal(t, []string{"fuseml-workloads/SeldonDeployment/iris", "fuseml-workloads/Secret/iris-init-container-secret"}, d.calls)
	e.must("GET", "/applications/iris", readerToken, nil, 404)

	e.must("POST", "/applications", editorToken, app("broken", "wf", "http://b"), 201)
	code, body := e.call("DELETE", "/applications/broken", editorToken, nil)
	assert.Equal(t, http.StatusBadGateway, code)
	assert.Contains(t, string(body), "SeldonDeployment/broken")
	e.must("GET", "/applications/broken", readerToken, nil, 200) // kept for a retry
}

func TestMetricsAndReadiness(t *testing.T) {
	e := newEnv(t, options{})
	e.must("POST", "/extensions", editorToken, map[string]any{"id": "x"}, 201)
	e.must("GET", "/extensions/nope", readerToken, nil, 404)
	e.must("GET", "/readyz", readerToken, nil, 200)
	metrics := string(e.must("GET", "/metrics", readerToken, nil, 200))
	assert.Contains(t, metrics, `fuseml_registry_requests_total{code="201",route="POST /extensions"} 1`)
	assert.Contains(t, metrics, `fuseml_registry_requests_total{code="404",route="GET /extensions/{id}"} 1`)
	assert.Contains(t, metrics, `fuseml_registry_request_duration_seconds_bucket{route="GET /readyz"`)
	e.must("GET", "/extensions", "", nil, http.StatusUnauthorized)
	e.must("GET", "/nowhere", readerToken, nil, http.StatusNotFound)
	metrics = string(e.must("GET", "/metrics", readerToken, nil, 200))
	assert.Contains(t, metrics, `fuseml_registry_requests_total{code="401",route="GET /extensions"} 1`, "refused before routing, labelled with its route")
	assert.Contains(t, metrics, `fuseml_registry_requests_total{code="404",route="unmatched"} 1`)

	require.NoError(t, e.store.Close())
	code, _ := e.call("GET", "/readyz", readerToken, nil)
	assert.Equal(t, http.StatusServiceUnavailable, code)
}

func TestAccessLog(t *testing.T) {
	e := newEnv(t, options{})
	e.must("POST", "/extensions", editorToken, example(t), 201)
	e.must("GET", "/extensions/mlflow-0001/services/mlflow-store/credentials?reveal=true", adminToken, nil, 200)
	logs := e.logBuf.String()
	assert.Contains(t, logs, `"route":"POST /extensions"`)
	assert.Contains(t, logs, `"principal":"ada"`)
	assert.Contains(t, logs, `"code":201`)
}

func TestTokensFile(t *testing.T) {
	good := "# token,name,role\n" + adminToken + ",ada,admin\n\n" + readerToken + ", rita , reader\n"
	tokens, err := ParseTokens(strings.NewReader(good))
	require.NoError(t, err)
	p, ok := tokens.Lookup(readerToken)
	require.True(t, ok)
	assert.Equal(t, Principal{Name: "rita", Role: RoleReader}, p)

	for name, bad := range map[string]string{
		"empty":      "# nothing\n",
		"short":      "short,x,admin\n",
		"role":       adminToken + ",ada,root\n",
		"fields":     adminToken + ",ada\n",
		"empty name": adminToken + ",,admin\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseTokens(strings.NewReader(bad))
			require.ErrorIs(t, err, ErrBadTokens)
			assert.NotContains(t, err.Error(), adminToken, "the token appears in the error")
		})
	}
}
