package app

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/credentials"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/endpoint"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension/service"
	"github.com/openmodelops/fuseml-seldon/registry"
)

func TestGolden(t *testing.T) {
	url := server(t)
	seed(t, url)
	for _, f := range []string{"table", "json", "yaml"} {
		t.Run("application list "+f, func(t *testing.T) {
			r := must(t, url, readerToken, "application", "list", "-o", f)
			golden(t, "application-list."+f, r.out)
		})
		t.Run("extension get "+f, func(t *testing.T) {
			r := must(t, url, editorToken, "extension", "get", "mlflow", "--format", f)
			golden(t, "extension-get."+f, r.out)
		})
	}
	t.Run("application get table", func(t *testing.T) {
		golden(t, "application-get.table", must(t, url, readerToken, "application", "get", "sklearn-iris").out)
	})
	t.Run("extension list table", func(t *testing.T) {
		golden(t, "extension-list.table", must(t, url, readerToken, "extension", "list").out)
	})
}

func TestEveryCommand(t *testing.T) {
	url := server(t)
	seed(t, url)
	credsFile := filepath.Join(t.TempDir(), "creds.yaml")
	require.NoError(t, os.WriteFile(credsFile, []byte("id: team\nscope: project\nprojects: [ml-team]\nconfiguration:\n  AWS_ACCESS_KEY_ID: team-key\n  AWS_SECRET_ACCESS_KEY: team-secret-value\n"), 0o600))
	extFile := filepath.Join(t.TempDir(), "ext.json")
	require.NoError(t, os.WriteFile(extFile, []byte(`{"id": "seldon-core", "product": "seldon-core", "version": "1.12.0", "zone": "cluster.local", "description": "updated from a file"}`), 0o600))

	steps := []struct {
		args     []string
		token    string
		want     []string // in stdout
		wantNot  []string
		wantCode int
	}{
		// applications
		{args: []string{"application", "list"}, want: []string{"NAME", "TYPE", "DESCRIPTION", "URL", "WORKFLOW", "dashboard", "keras-mnist", "sklearn-iris"}},
		{args: []string{"application", "list", "-t", "predictor"}, want: []string{"sklearn-iris", "keras-mnist"}, wantNot: []string{"dashboard"}},
		{args: []string{"application", "list", "--workflow", "keras"}, want: []string{"keras-mnist"}, wantNot: []string{"sklearn-iris"}},
		{args: []string{"application", "list", "-c", "name,status", "-c", "predictor"}, want: []string{"NAME   ", "STATUS", "PREDICTOR", "ready", "tensorflow"}, wantNot: []string{"WORKFLOW"}},
		{args: []string{"application", "list", "-c", "nope"}, wantCode: ExitUsage},
		{args: []string{"application", "list", "-c", "name,NS:k8s_namespace,status.state"}, want: []string{"NAME", "NS", "STATUS.STATE", "fuseml-workloads", "ready"}},
		{args: []string{"application", "list", "-o", "xml"}, wantCode: ExitUsage},
		{args: []string{"app", "ls", "-o", "json"}, want: []string{`"name": "sklearn-iris"`, `"k8s_namespace": "fuseml-workloads"`}},
		{args: []string{"application", "get", "sklearn-iris"}, want: []string{"Status:", "ready", "History:", "s3://mlflow-artifacts/1/xyz/artifacts/model"}},
		{args: []string{"application", "get", "-n", "keras-mnist", "-o", "yaml"}, want: []string{"name: keras-mnist", "predictor: tensorflow"}},
		{args: []string{"application", "get"}, wantCode: ExitUsage},
		{args: []string{"application", "delete", "dashboard", "--yes"}, token: editorToken, want: []string{`Application "dashboard" deleted.`}},
		{args: []string{"application", "get", "dashboard"}, wantCode: ExitNotFound},

		// extensions
		{args: []string{"extension", "list"}, want: []string{"ID", "PRODUCT", "VERSION", "ZONE", "SERVICES", "mlflow", "mlflow-store, mlflow-tracking", "seldon-core"}},
		{args: []string{"extension", "list", "--product", "seldon-core"}, want: []string{"seldon-core"}, wantNot: []string{"mlflow-store"}},
		{args: []string{"extension", "list", "--version", ">=1.15"}, want: []string{"mlflow"}, wantNot: []string{"seldon-core"}},
		{args: []string{"extension", "list", "--service-resource", "s3"}, want: []string{"mlflow"}, wantNot: []string{"seldon-core"}},
		{args: []string{"extension", "list", "--service-category", "prediction-serving"}, want: []string{"seldon-core"}, wantNot: []string{"mlflow-store"}},
		{args: []string{"extension", "list", "--type", "external"}, wantNot: []string{"mlflow", "seldon"}},
		{args: []string{"extension", "list", "--zone", "elsewhere", "--strict-zone"}, wantNot: []string{"mlflow", "seldon"}},
		{args: []string{"extension", "list", "--strict-zone"}, wantCode: ExitUsage},
		{args: []string{"extension", "list", "-c", "id,endpoints"}, want: []string{"http://mlflow-minio.mlflow:9000, http://mlflow.mlflow"}},
		{args: []string{"extension", "get", "seldon-core"}, want: []string{"Product:", "seldon-core", "Services:", "prediction-serving", "http://kubernetes.default.svc"}},
		{args: []string{"extension", "get", "mlflow"}, token: editorToken, want: []string{"AWS_SECRET_ACCESS_KEY=***"}, wantNot: []string{"fuseml-minio-secret-key-example"}},
		{args: []string{"extension", "get", "mlflow", "--reveal"}, token: adminToken, want: []string{"AWS_SECRET_ACCESS_KEY=fuseml-minio-secret-key-example"}},
		{args: []string{"extension", "get", "mlflow", "--reveal"}, token: editorToken, wantCode: ExitUnauthorized},
		{args: []string{"extension", "update", "seldon-core", "--version", "1.11.1", "-z", "cluster.local"}, token: editorToken, want: []string{`Extension "seldon-core" updated.`}},
		{args: []string{"extension", "get", "seldon-core", "-o", "json"}, want: []string{`"version": "1.11.1"`, `"zone": "cluster.local"`, `"product": "seldon-core"`}},
		{args: []string{"extension", "update", "-f", extFile}, token: editorToken, want: []string{`Extension "seldon-core" updated.`}},
		{args: []string{"extension", "get", "seldon-core", "-o", "yaml"}, want: []string{"version: 1.12.0", "description: updated from a file", "id: api"}},
		{args: []string{"extension", "update", "other", "-f", extFile}, token: editorToken, wantCode: ExitUsage},

		// services
		{args: []string{"extension", "service", "add", "mlflow", "--id", "mlflow-ui", "-r", "mlflow-ui", "--category", "ui", "--desc", "the UI"}, token: editorToken, want: []string{`Service "mlflow-ui" added to extension "mlflow".`}},
		{args: []string{"extension", "service", "list", "mlflow"}, want: []string{"RESOURCE", "mlflow-store", "mlflow-tracking", "mlflow-ui"}},
		{args: []string{"extension", "service", "update", "mlflow", "mlflow-ui", "--auth-required", "--configuration", "THEME=dark"}, token: editorToken, want: []string{"updated"}},
		{args: []string{"extension", "service", "get", "mlflow", "mlflow-ui", "-o", "json"}, want: []string{`"auth_required": true`, `"THEME": "dark"`, `"description": "the UI"`}},
		{args: []string{"extension", "service", "get", "mlflow", "nope"}, wantCode: ExitNotFound},
		{args: []string{"extension", "service", "add", "mlflow", "--id", "mlflow-ui"}, token: editorToken, wantCode: ExitConflict},

		// endpoints
		{args: []string{"extension", "endpoint", "add", "mlflow", "mlflow-ui", "https://mlflow.example.com", "--type", "external", "--configuration", "MLFLOW_TRACKING_URI:https://mlflow.example.com"}, token: editorToken, want: []string{"added"}},
		{args: []string{"extension", "endpoint", "list", "mlflow", "mlflow-ui"}, want: []string{"URL", "TYPE", "https://mlflow.example.com", "external", "MLFLOW_TRACKING_URI=https://mlflow.example.com"}},
		{args: []string{"extension", "endpoint", "update", "mlflow", "mlflow-ui", "https://mlflow.example.com", "--type", "internal"}, token: editorToken, want: []string{"updated"}},
		{args: []string{"extension", "endpoint", "get", "mlflow", "mlflow-ui", "https://mlflow.example.com"}, want: []string{"internal", "MLFLOW_TRACKING_URI=https://mlflow.example.com"}},
		{args: []string{"extension", "endpoint", "add", "mlflow", "mlflow-ui", "https://mlflow.example.com"}, token: editorToken, wantCode: ExitConflict},
		{args: []string{"extension", "endpoint", "update", "mlflow", "mlflow-ui", "https://mlflow.example.com", "--type", "public"}, token: editorToken, wantCode: ExitUsage},
		{args: []string{"extension", "endpoint", "delete", "mlflow", "mlflow-ui", "https://mlflow.example.com"}, token: editorToken, want: []string{"deleted"}},
		{args: []string{"extension", "endpoint", "get", "mlflow", "mlflow-ui", "https://mlflow.example.com"}, wantCode: ExitNotFound},

		// credentials
		{args: []string{"extension", "credentials", "add", "mlflow", "mlflow-store", "-f", credsFile}, token: editorToken, want: []string{`Credentials "team" added`}},
		{args: []string{"extension", "credentials", "add", "mlflow", "mlflow-store", "--id", "alice", "--scope", "user", "--user", "alice", "-c", "AWS_SECRET_ACCESS_KEY=alice-secret"}, token: editorToken, want: []string{`Credentials "alice" added`}},
		{args: []string{"extension", "credentials", "list", "mlflow", "mlflow-store"}, token: editorToken, want: []string{"SCOPE", "alice", "default-s3-account", "team", "ml-team", "AWS_SECRET_ACCESS_KEY=***"}, wantNot: []string{"team-secret-value", "alice-secret"}},
		{args: []string{"extension", "credentials", "list", "mlflow", "mlflow-store", "--reveal"}, token: adminToken, want: []string{"AWS_SECRET_ACCESS_KEY=team-secret-value", "AWS_SECRET_ACCESS_KEY=alice-secret"}},
		{args: []string{"extension", "credentials", "list", "mlflow", "mlflow-store"}, token: readerToken, wantCode: ExitUnauthorized},
		{args: []string{"extension", "credentials", "update", "mlflow", "mlflow-store", "team", "--project", "ml-team", "--project", "ops", "--default"}, token: editorToken, want: []string{"updated"}},
		{args: []string{"extension", "credentials", "get", "mlflow", "mlflow-store", "team", "--reveal", "-o", "json"}, token: adminToken, want: []string{`"ops"`, `"default": true`, `"AWS_SECRET_ACCESS_KEY": "team-secret-value"`}},
		{args: []string{"extension", "credentials", "get", "mlflow", "mlflow-store", "team"}, token: editorToken, want: []string{"ml-team, ops", "yes"}, wantNot: []string{"team-secret-value"}},
		{args: []string{"extension", "credentials", "add", "mlflow", "mlflow-store", "--scope", "team"}, token: editorToken, wantCode: ExitUsage},
		{args: []string{"extension", "credentials", "delete", "mlflow", "mlflow-store", "alice"}, token: editorToken, want: []string{"deleted"}},
		{args: []string{"extension", "credentials", "get", "mlflow", "mlflow-store", "alice"}, token: editorToken, wantCode: ExitNotFound},

		// deletes down the tree
		{args: []string{"extension", "service", "delete", "mlflow", "mlflow-ui"}, token: editorToken, want: []string{"deleted"}},
		{args: []string{"extension", "service", "get", "mlflow", "mlflow-ui"}, wantCode: ExitNotFound},
		{args: []string{"extension", "delete", "seldon-core"}, token: editorToken, want: []string{`Extension "seldon-core" deleted.`}},
		{args: []string{"extension", "delete", "seldon-core"}, token: editorToken, wantCode: ExitNotFound},

		// version and completion
		{args: []string{"version"}, want: []string{"Client Version:", "Server URL:", "Server Version:"}},
		{args: []string{"--version"}, want: []string{"fuseml "}},
		{args: []string{"completion", "bash"}, want: []string{"complete -o bashdefault", "--generate-bash-completion"}},
		{args: []string{"completion", "zsh"}, want: []string{"#compdef fuseml", "compdef _fuseml fuseml"}},
		{args: []string{"completion", "fish"}, wantCode: ExitUsage},
	}
	for _, st := range steps {
		token := st.token
		if token == "" {
			token = readerToken
		}
		r := as(t, url, token, st.args...)
		name := strings.Join(st.args, " ")
		if !assert.Equal(t, st.wantCode, r.code, "fuseml %s\n%s", name, r) {
			continue
		}
		for _, w := range st.want {
			assert.Contains(t, r.out, w, "fuseml %s", name)
		}
		for _, w := range st.wantNot {
			assert.NotContains(t, r.out, w, "fuseml %s", name)
		}
		if st.wantCode != 0 {
			assert.Empty(t, r.out, "fuseml %s: nothing on stdout on failure", name)
			assert.Equal(t, 1, strings.Count(r.err, "\n"), "fuseml %s: one line on stderr: %q", name, r.err)
		}
	}
}

func TestExitCodes(t *testing.T) {
	url := server(t)
	seed(t, url)
	// a port with nothing listening
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  []string
	}{
		{"not found", []string{"--url", url, "--token", readerToken, "application", "get", "nope"}, ExitNotFound, []string{`getting application "nope": `, "not found"}},
		{"not found extension", []string{"--url", url, "--token", readerToken, "extension", "get", "nope"}, ExitNotFound, []string{`getting extension "nope"`}},
		{"conflict", []string{"--url", url, "--token", editorToken, "extension", "register", "-f", filepath.Join(examples, "mlflow.yaml")}, ExitConflict, []string{`registering extension "mlflow"`, "exists"}},
		{"bad token", []string{"--url", url, "--token", "not-a-known-token-at-all", "application", "list"}, ExitUnauthorized, []string{"unknown token", "--token or FUSEML_TOKEN"}},
		{"no token", []string{"--url", url, "application", "list"}, ExitUnauthorized, []string{"missing bearer token"}},
		{"reader may not delete", []string{"--url", url, "--token", readerToken, "application", "delete", "keras-mnist", "--yes"}, ExitUnauthorized, []string{"may not"}},
		{"unreachable", []string{"--url", closed, "--token", readerToken, "application", "list"}, ExitUnreachable, []string{"cannot reach the registry", "connection refused", "is the registry running at " + closed}},
		{"no URL", []string{"application", "list"}, ExitUsage, []string{"--url or set FUSEML_SERVER_URL"}},
		{"unknown command", []string{"applications", "frobnicate"}, ExitUsage, []string{`unknown command "frobnicate"`}},
		{"unknown top command", []string{"frobnicate"}, ExitUsage, []string{`unknown command "frobnicate"`}},
		{"unknown flag", []string{"application", "list", "--frobnicate"}, ExitUsage, []string{"flag provided but not defined"}},
		{"bad timeout", []string{"--timeout", "soon", "application", "list"}, ExitUsage, []string{"timeout"}},
		{"missing file flag", []string{"--url", url, "extension", "register"}, ExitUsage, []string{"-f FILE"}},
		{"missing file", []string{"--url", url, "--token", editorToken, "extension", "register", "-f", "/nonexistent.yaml"}, ExitError, []string{"reading /nonexistent.yaml"}},
		{"invalid", []string{"--url", url, "--token", editorToken, "extension", "service", "add", "mlflow", "--id", "Not_Valid"}, ExitError, []string{"invalid id"}},
	}
	t.Setenv("FUSEML_SERVER_URL", "")
	t.Setenv("FUSEML_TOKEN", "")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.args...)
			assert.Equal(t, tt.wantCode, r.code, "%s", r)
			assert.Empty(t, r.out)
			assert.Equal(t, 1, strings.Count(r.err, "\n"), "one line: %q", r.err)
			for _, w := range tt.wantErr {
				assert.Contains(t, r.err, w)
			}
			for _, tok := range []string{readerToken, editorToken, adminToken} {
				assert.NotContains(t, r.err, tok)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	url := server(t)
	seed(t, url)
	t.Setenv("FUSEML_SERVER_URL", url)
	t.Setenv("FUSEML_TOKEN", readerToken)
	t.Setenv("FUSEML_HTTP_TIMEOUT", "5")
	r := run(t, nil, "application", "list", "-o", "json")
	require.Equal(t, 0, r.code, "%s", r)
	var apps []registry.Application
	require.NoError(t, json.Unmarshal([]byte(r.out), &apps))
	assert.Len(t, apps, 3)

	// verbose logs requests on stderr, never the token
	r = run(t, nil, "-v", "application", "list")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.err, "/applications")
	assert.Contains(t, r.err, "status=200")
	assert.NotContains(t, r.err, readerToken)
}

func TestFlagsAnywhere(t *testing.T) {
	url := server(t)
	seed(t, url)
	// global flags after the command, command flags after the arguments
	r := run(t, nil, "application", "get", "keras-mnist", "--url", url, "-o", "json", "--token", readerToken)
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.out, `"name": "keras-mnist"`)
	r = run(t, nil, "application", "delete", "keras-mnist", "--url="+url, "--token", editorToken, "-y")
	require.Equal(t, 0, r.code, "%s", r)
	// --version is the extension's field here, not the CLI's version
	r = run(t, nil, "--url", url, "--token", readerToken, "extension", "list", "--version", "1.20.2")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Contains(t, r.out, "mlflow")
	assert.NotContains(t, r.out, "seldon-core")
	// "--" ends the flags: an argument may then start with a dash
	r = run(t, nil, "--url", url, "--token", readerToken, "application", "get", "--", "-odd")
	assert.Equal(t, ExitNotFound, r.code, "%s", r)
}

func TestDeleteConfirmation(t *testing.T) {
	url := server(t)
	seed(t, url)
	// stdin is not a terminal: refuse, naming --yes, and delete nothing
	r := run(t, strings.NewReader("y\n"), "--url", url, "--token", editorToken, "application", "delete", "sklearn-iris")
	assert.Equal(t, ExitUsage, r.code, "%s", r)
	assert.Contains(t, r.err, "--yes")
	must(t, url, readerToken, "application", "get", "sklearn-iris")

	r = must(t, url, editorToken, "application", "delete", "-n", "sklearn-iris", "--yes")
	assert.Contains(t, r.out, `Application "sklearn-iris" deleted.`)
	// the test registry has no cluster access: it says which objects are left
	assert.Contains(t, r.err, "SeldonDeployment/sklearn-iris")
	assert.Contains(t, r.err, `namespace "fuseml-workloads"`)
	assert.Equal(t, ExitNotFound, as(t, url, readerToken, "application", "get", "sklearn-iris").code)
}

func TestRegisterFromStdin(t *testing.T) {
	url := server(t)
	desc := `{"product": "minio", "version": "2024.1.1", "services": [{"id": "s3", "resource": "s3", "endpoints": [{"url": "http://minio:9000"}]}]}`
	r := run(t, strings.NewReader(desc), "--url", url, "--token", editorToken, "extension", "register", "-f", "-", "-o", "json")
	require.Equal(t, 0, r.code, "%s", r)
	var got registry.Extension
	require.NoError(t, json.Unmarshal([]byte(r.out), &got))
	assert.Regexp(t, `^minio-[a-z0-9]{8}$`, got.ID)
	assert.Equal(t, registry.EndpointExternal, got.Services[0].Endpoints[0].Type)

	// a misspelt field is refused, not dropped
	r = run(t, strings.NewReader("product: x\nservices:\n  - id: a\n    authrequired: true\n"), "--url", url, "--token", editorToken, "extension", "register", "-f", "-")
	assert.Equal(t, ExitError, r.code, "%s", r)
	assert.Contains(t, r.err, `unknown field "authrequired"`)
	r = run(t, strings.NewReader(""), "--url", url, "--token", editorToken, "extension", "register", "-f", "-")
	assert.Equal(t, ExitError, r.code, "%s", r)
	assert.Contains(t, r.err, "empty document")
}

// TestExamplesRoundTrip registers the example descriptors and reads them back: a
// reader sees no credentials (the registry hides them from readers), an editor sees
// them redacted, an admin with --reveal sees the descriptor as written.
func TestExamplesRoundTrip(t *testing.T) {
	url := server(t)
	for _, f := range []string{"mlflow.yaml", "seldon-core.yaml"} {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(examples, f))
			require.NoError(t, err)
			var want registry.Extension
			require.NoError(t, yaml.UnmarshalStrict(data, &want))
			want = strip(want)
			must(t, url, editorToken, "extension", "register", "-f", filepath.Join(examples, f))

			read := func(token string, reveal bool) registry.Extension {
				args := []string{"extension", "get", want.ID, "-o", "yaml"}
				if reveal {
					args = append(args, "--reveal")
				}
				var got registry.Extension
				require.NoError(t, yaml.UnmarshalStrict([]byte(must(t, url, token, args...).out), &got))
				return strip(got)
			}
			assert.Equal(t, want, read(adminToken, true), "revealed to an admin")

			redacted := redact(want)
			assert.Equal(t, redacted, read(editorToken, false), "redacted for an editor")
			assert.Equal(t, redacted, read(adminToken, false), "redacted for an admin who does not ask")

			hidden := redacted
			hidden.Services = append([]registry.Service(nil), redacted.Services...)
			for i := range hidden.Services {
				hidden.Services[i].Credentials = nil
			}
			assert.Equal(t, hidden, read(readerToken, false), "no credentials for a reader")
		})
	}
}

// strip removes what the registry adds (times and parent references) and orders the
// tree by identifiers, as the registry does.
func strip(e registry.Extension) registry.Extension {
	e.Status = nil
	service.Sort(e.Services)
	for i := range e.Services {
		s := &e.Services[i]
		s.Status, s.ExtensionID = nil, ""
		for j := range s.Endpoints {
			s.Endpoints[j].ExtensionID, s.Endpoints[j].ServiceID = "", ""
		}
		endpoint.Sort(s.Endpoints)
		credentials.Sort(s.Credentials)
		for j := range s.Credentials {
			s.Credentials[j].ExtensionID, s.Credentials[j].ServiceID, s.Credentials[j].Status = "", "", nil
		}
	}
	return e
}

// redact returns a copy of e with every credential value replaced by ***.
func redact(e registry.Extension) registry.Extension {
	out := e
	out.Services = make([]registry.Service, len(e.Services))
	for i, s := range e.Services {
		creds := make([]registry.Credentials, len(s.Credentials))
		for j, c := range s.Credentials {
			cfg := map[string]string{}
			for k := range c.Configuration {
				cfg[k] = registry.Redacted
			}
			c.Configuration = cfg
			creds[j] = c
		}
		if s.Credentials == nil {
			creds = nil
		}
		s.Credentials = creds
		out.Services[i] = s
	}
	return out
}

func TestTimeout(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	start := time.Now()
	r := run(t, nil, "--url", slow.URL, "--token", readerToken, "--timeout", "100ms", "application", "list")
	assert.Equal(t, ExitUnreachable, r.code, "%s", r)
	assert.Contains(t, r.err, "cannot reach the registry")
	assert.Less(t, time.Since(start), 4*time.Second, "gave up after the timeout and two retries")
}

func TestMessages(t *testing.T) {
	url := server(t)
	r := as(t, url, readerToken, "application", "get", "iris")
	assert.Equal(t, "fuseml: getting application \"iris\": application \"iris\": not found\n", r.err)
}

func TestUpdateFromDescriptorKeepsServices(t *testing.T) {
	url := server(t)
	seed(t, url)
	r := must(t, url, editorToken, "extension", "update", "-f", filepath.Join(examples, "mlflow.yaml"))
	assert.Contains(t, r.err, "the 2 service(s)")
	assert.Contains(t, r.err, "fuseml extension service")
	// the services are still there, credentials included
	r = must(t, url, editorToken, "extension", "get", "mlflow")
	assert.Contains(t, r.out, "default-s3-account")
	// a reader sees the extension without its credentials
	r = must(t, url, readerToken, "extension", "get", "mlflow")
	assert.Contains(t, r.out, "mlflow-store")
	assert.NotContains(t, r.out, "Credentials:")
}
