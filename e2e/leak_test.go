package e2e_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/yaml"

	"github.com/openmodelops/fuseml-seldon/e2e/flow"
	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/api"
)

// TestNoCredentialLeaks runs the whole flow at verbose level (the registry with
// --verbose, every fuseml command and the step with FUSEML_VERBOSE=true), provokes the
// errors most likely to print a configuration, and then looks for the S3 secret key and
// every registry token (plain, base64 at any alignment, URL-encoded, JSON-escaped) in:
// every log line and command output, the result files, the workflow's compiled objects
// but its Secret, every object of every kind the API server serves in the namespace but
// Secrets (and every cluster-scoped one), and every GET answer of the registry to a
// reader (and to an editor, and to an admin who does not ask to reveal). Planted
// credentials, found by the same code, show that the scan can fail.
func TestNoCredentialLeaks(t *testing.T) {
	s := newStackWith(t, []string{"FUSEML_VERBOSE=true"})
	ctx := t.Context()
	f := s.flow
	l := newLeakScan(t, s)

	// The main job, as TestMainJob runs it, verbose.
	require.NoError(t, s.s3.MakeBucket(ctx, bucket))
	ns := s.kube.NewNamespace(t)
	require.NoError(t, f.CreateGateway(ctx, ns, domain))
	const app = "leak-iris"
	prefix := "1/" + app + "/artifacts/model"
	require.NoError(t, s.s3.Upload(ctx, filepath.Join(s.root, "e2e", "testdata", "models", "sklearn-iris"), bucket, prefix))
	modelURL := "s3://" + bucket + "/" + prefix
	wf := filepath.Join(s.root, flow.Workflow)
	compileArgs := []string{"workflow", "compile", "-f", wf, "--namespace", ns, "--project", "workspace", "--user", "alice"}

	res := l.command(t, "compile -o json", 0, nil, append(compileArgs, "-o", "json")...)
	compiled, err := flow.ParseCompiled(res.Stdout)
	require.NoError(t, err)
	l.compiledJSON(t, res.Stdout)
	res = l.command(t, "compile -o yaml", 0, nil, append(compileArgs, "-o", "yaml")...)
	l.compiledYAML(t, res.Stdout)
	require.NoError(t, f.Apply(ctx, compiled))
	stored, _, err := f.GetPipeline(ctx, ns, workflow)
	require.NoError(t, err)
	env, err := f.TaskEnv(ctx, stored, "predictor", map[string]string{"model": modelURL, "predictor": "auto", "app_name": app}, ns)
	require.NoError(t, err)
	env = append(env, "FUSEML_VERBOSE=true")

	l.step(t, ns, env, app, 0, nil)
	l.step(t, ns, env, app+"-dry-json", 0, nil, "--dry-run", "-o", "json")
	l.step(t, ns, env, app+"-dry-yaml", 0, nil, "--dry-run", "-o", "yaml")

	// The step, where it fails: each is a configuration mistake that an error message or
	// a debug line could quote. want is the exit code (2 input, 3 model, 4 Kubernetes, 5
	// registry): the run failed where it was meant to.
	closed := closedPort(t)
	minioHost := strings.TrimPrefix(s.minio.Endpoint, "http://")
	badKubeconfig := filepath.Join(f.Dir, "kubeconfig-closed-port")
	kc, err := os.ReadFile(s.kube.Kubeconfig())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(badKubeconfig, []byte(strings.Replace(string(kc), s.kube.Host(), "https://"+closed, 1)), 0o600))
	for _, fail := range []struct {
		name   string
		want   int
		change map[string]string
		args   []string
	}{
		{"no-bucket", 3, map[string]string{"FUSEML_MODEL": "s3://fuseml-leak-no-such-bucket/" + prefix}, nil},
		{"no-model", 3, map[string]string{"FUSEML_MODEL": "s3://" + bucket + "/1/nothing/artifacts/model"}, nil},
		{"wrong-secret-key", 3, map[string]string{"AWS_SECRET_ACCESS_KEY": l.secrets[wrongSecretKey]}, nil},
		{"closed-endpoint", 2, map[string]string{"MLFLOW_S3_ENDPOINT_URL": "http://" + closed}, nil},
		{"endpoint-with-key", 2, map[string]string{"MLFLOW_S3_ENDPOINT_URL": "http://" + s.minio.AccessKey + ":" + s.minio.SecretKey + "@" + minioHost}, nil},
		{"endpoint-with-key-as-user", 2, map[string]string{"MLFLOW_S3_ENDPOINT_URL": "http://" + s.minio.SecretKey + "@" + minioHost}, nil},
		{"bad-ignore-tls", 2, map[string]string{"MLFLOW_S3_IGNORE_TLS": "perhaps"}, nil},
		{"bad-predictor", 2, map[string]string{"FUSEML_PREDICTOR": "nonsense"}, nil},
		{"kube-unreachable", 4, nil, []string{"--kubeconfig", badKubeconfig}},
		{"registry-reader-token", 5, map[string]string{"FUSEML_TOKEN": f.Registry.ReaderToken}, nil},
		{"registry-unknown-token", 5, map[string]string{"FUSEML_TOKEN": l.secrets[unknownToken]}, nil},
		{"registry-token-in-url", 5, map[string]string{"FUSEML_SERVER_URL": "http://seldon-core-predictor:" + f.Registry.StepToken + "@" + closed}, nil},
		{"registry-token-as-url-user", 5, map[string]string{"FUSEML_SERVER_URL": "http://" + f.Registry.StepToken + "@" + closed}, nil},
	} {
		l.step(t, ns, env, app+"-"+fail.name, fail.want, fail.change, fail.args...)
	}

	// The CLI, verbose, as a reader, an admin who does not ask to reveal, and with
	// wrong tokens and URLs. want is the exit code (4 conflict, 5 unauthorized, 6
	// unreachable).
	reader := []string{"FUSEML_TOKEN=" + f.Registry.ReaderToken}
	mlflowFile := filepath.Join(f.Dir, "extensions", "mlflow.yaml")
	regURL, err := url.Parse(f.Registry.URL)
	require.NoError(t, err)
	brokenWorkflow := filepath.Join(f.Dir, "leaky-workflow.yaml")
	require.NoError(t, os.WriteFile(brokenWorkflow, []byte(leakyWorkflow), 0o600))
	for _, c := range []struct {
		name string
		want int
		env  []string
		args []string
	}{
		{"reader: extension list -o json", 0, reader, []string{"extension", "list", "-o", "json"}},
		{"reader: extension list, every column", 0, reader, []string{"extension", "list", "--field", "ID,Product,Version,Zone,Services,Description,Endpoints,Credentials,Configuration,Registered"}},
		{"reader: extension get", 0, reader, []string{"extension", "get", "mlflow", "-o", "yaml"}},
		{"reader: extension get --reveal (a reader sees no credentials to reveal)", 0, reader, []string{"extension", "get", "mlflow", "--reveal"}},
		{"reader: credentials list", 5, reader, []string{"extension", "credentials", "list", "mlflow", "mlflow-store"}},
		{"reader: credentials get --reveal", 5, reader, []string{"extension", "credentials", "get", "fuseml-registry", "registry", "seldon-core-predictor", "--reveal"}},
		{"reader: application list", 0, reader, []string{"application", "list", "-o", "json"}},
		{"reader: application get", 0, reader, []string{"application", "get", app, "-o", "yaml"}},
		{"reader: application get, not found", 3, reader, []string{"application", "get", "no-such-app"}},
		{"reader: application delete", 5, reader, []string{"application", "delete", app, "--yes"}},
		{"reader: extension register", 5, reader, []string{"extension", "register", "-f", mlflowFile}},
		{"reader: workflow compile", 5, reader, append(compileArgs, "-o", "json")},
		{"admin: extension list", 0, nil, []string{"extension", "list", "-o", "yaml"}},
		{"admin: extension get", 0, nil, []string{"extension", "get", "fuseml-registry", "-o", "json"}},
		{"admin: credentials list", 0, nil, []string{"extension", "credentials", "list", "mlflow", "mlflow-store", "-o", "json"}},
		{"admin: credentials get", 0, nil, []string{"extension", "credentials", "get", "fuseml-registry", "registry", "seldon-core-predictor", "-o", "yaml"}},
		{"admin: register again", 4, nil, []string{"extension", "register", "-f", mlflowFile}},
		{"admin: compile a workflow that misuses credentials", 1, nil, []string{"workflow", "compile", "-f", brokenWorkflow, "--namespace", ns}},
		{"unknown token", 5, []string{"FUSEML_TOKEN=" + l.secrets[unknownToken]}, []string{"application", "list"}},
		{"token as the URL's password, closed port", 6, []string{"FUSEML_SERVER_URL=http://admin:" + f.Registry.AdminToken + "@" + closed}, []string{"application", "list"}},
		{"token as the URL's user, closed port", 6, []string{"FUSEML_SERVER_URL=http://" + f.Registry.AdminToken + "@" + closed}, []string{"extension", "list"}},
		{"token as the URL's user", 0, []string{"FUSEML_SERVER_URL=http://" + f.Registry.AdminToken + "@" + regURL.Host}, []string{"extension", "list"}},
		{"usage error with --token", 2, nil, []string{"--token", f.Registry.AdminToken, "application", "list", "--no-such-flag"}},
	} {
		l.cli(t, c.name, c.want, c.env, c.args...)
	}

	// The registry, to each role; the admin never asks to reveal.
	l.registry(t, s, "reader", f.Registry.ReaderToken)
	l.registry(t, s, "editor", f.Registry.StepToken)
	l.registry(t, s, "admin", f.Registry.AdminToken)

	// Every object in the namespace but Secrets, and every cluster-scoped one.
	l.kubernetes(t, s, ns)
	for _, kind := range []string{"Pipeline", "SeldonDeployment", "ServiceAccount", "Gateway"} {
		assert.Positive(t, l.kinds[kind], "the namespace's %s objects were scanned", kind)
	}
	assert.Positive(t, l.clusterKinds["Namespace"], "the Namespace objects were scanned")

	// Every log line: the step's and each command's, the registry's, the servers'.
	logs := append(f.Logs(), filepath.Join(s.minio.Dir, "minio.log"),
		filepath.Join(s.kube.Dir(), "kube-apiserver.log"), filepath.Join(s.kube.Dir(), "etcd.log"))
	l.files(t, logs, &l.logFiles, &l.logLines)
	for _, who := range []string{"-step-", "-fuseml-"} {
		debug := false
		for _, log := range logs {
			data, err := os.ReadFile(log)
			require.NoError(t, err)
			debug = debug || strings.Contains(filepath.Base(log), who) && strings.Contains(string(data), "level=DEBUG")
		}
		assert.True(t, debug, "the logs of %q hold debug lines: the verbose level took effect", who)
	}
	results, err := filepath.Glob(filepath.Join(f.Dir, "results-*", "*"))
	require.NoError(t, err)
	l.files(t, results, &l.resultFiles, nil)
	assert.GreaterOrEqual(t, l.resultFiles, 4, "result files: the main run's and those of the runs that failed at registration")

	for _, finding := range l.findings {
		t.Errorf("credential found: %s", finding)
	}
	t.Log(l.summary())
	t.Logf("kinds in the namespace: %s; cluster-scoped: %s", byKind(l.kinds), byKind(l.clusterKinds))
	if len(l.unlistable) > 0 {
		t.Logf("served but not listable: %s", strings.Join(l.unlistable, "; "))
	}

	// The scan can fail: credentials planted where it looks are found by the same code.
	l.canaries(t, s)
}

// Names of the credentials looked for.
const (
	s3SecretKey    = "the S3 secret key"
	wrongSecretKey = "a wrong S3 secret key (given to a run)"
	adminToken     = "the registry's admin token"
	stepToken      = "the step's registry token (editor)"
	readerToken    = "the registry's reader token"
	unknownToken   = "an unknown registry token (given to runs)"
	kubeToken      = "the Kubernetes admin token"
)

// leakyWorkflow misuses credentials in ways the compiler must refuse without quoting them.
const leakyWorkflow = `name: leaky
steps:
  - name: s
    image: "{{ extensions.store.cfg.AWS_SECRET_ACCESS_KEY }}"
    extensions:
      - name: store
        service_resource: s3
      - name: registry
        product: fuseml
    env:
      - name: MIXED
        value: "token={{ extensions.registry.cfg.FUSEML_TOKEN }}"
      - name: MISSING
        value: "{{ extensions.store.cfg.NO_SUCH_KEY }}"
`

// leakScan looks for credentials and counts what it looked at.
type leakScan struct {
	s        *stack
	secrets  map[string]string
	findings []flow.Finding

	logFiles, logLines, resultFiles int
	outputs, compileOutputs         int
	steps, failingSteps             int
	kinds, clusterKinds             map[string]int
	resources, clusterResources     int
	unlistable                      []string
	responses                       map[string]int
	paths                           map[string]bool // GET patterns requested
}

func newLeakScan(t *testing.T, s *stack) *leakScan {
	creds := s.credentials(t)
	return &leakScan{
		s: s,
		secrets: map[string]string{
			s3SecretKey:    s.minio.SecretKey,
			wrongSecretKey: "wrong-" + api.NewToken()[:24],
			adminToken:     s.flow.Registry.AdminToken,
			stepToken:      s.flow.Registry.StepToken,
			readerToken:    s.flow.Registry.ReaderToken,
			unknownToken:   api.NewToken(),
			kubeToken:      creds["the Kubernetes admin token"],
		},
		kinds: map[string]int{}, clusterKinds: map[string]int{},
		responses: map[string]int{}, paths: map[string]bool{},
	}
}

func (l *leakScan) text(where, text string) {
	l.findings = append(l.findings, flow.ScanText(where, text, l.secrets)...)
}

// files scans files, adding to the counts of files and lines.
func (l *leakScan) files(t *testing.T, files []string, nfiles, nlines *int) {
	t.Helper()
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		l.text(file, string(data))
		*nfiles++
		if nlines != nil {
			*nlines += strings.Count(string(data), "\n")
		}
	}
}

// cli runs a fuseml command with env added, checks its exit code and scans its standard
// output (its standard error is a log, scanned with the others).
func (l *leakScan) cli(t *testing.T, name string, want int, env []string, args ...string) {
	t.Helper()
	res := l.command(t, name, want, env, args...)
	l.text("fuseml ("+name+") stdout", res.Stdout)
	l.outputs++
}

// command runs a fuseml command with env added and checks its exit code.
func (l *leakScan) command(t *testing.T, name string, want int, env []string, args ...string) flow.CLIResult {
	t.Helper()
	res, err := l.s.flow.CLIWith(t.Context(), env, args...)
	require.NoError(t, err, name)
	require.Equal(t, want, res.Code, "%s: the exit code; stderr:\n%s", name, res.Stderr)
	return res
}

// compiledJSON scans the objects of `fuseml workflow compile -o json` but the Secret,
// which must hold the credentials (or the scan would prove nothing).
func (l *leakScan) compiledJSON(t *testing.T, out string) {
	t.Helper()
	var list struct {
		Items []map[string]any `json:"items"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &list))
	for _, item := range list.Items {
		data, err := json.Marshal(item)
		require.NoError(t, err)
		l.compiledObject(t, "compile -o json", item, string(data))
	}
	l.compileOutputs++
}

// compiledYAML is compiledJSON for -o yaml.
func (l *leakScan) compiledYAML(t *testing.T, out string) {
	t.Helper()
	for doc := range strings.SplitSeq(out, "\n---\n") {
		var item map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(doc), &item))
		l.compiledObject(t, "compile -o yaml", item, doc)
	}
	l.compileOutputs++
}

func (l *leakScan) compiledObject(t *testing.T, where string, item map[string]any, text string) {
	t.Helper()
	u := unstructured.Unstructured{Object: item}
	where += ": " + u.GetKind() + " " + u.GetName()
	if u.GetKind() == "Secret" {
		assert.NotEmpty(t, flow.ScanText(where, text, map[string]string{s3SecretKey: l.secrets[s3SecretKey]}),
			"%s holds the S3 secret key: the scanner finds it there", where)
		return
	}
	l.text(where, text)
}

// step runs the step with env changed, playing Seldon for its service, and checks
// its exit code; its output and result file are scanned with the logs and results.
func (l *leakScan) step(t *testing.T, ns string, env []string, app string, want int, change map[string]string, args ...string) {
	t.Helper()
	f := l.s.flow
	run := make([]string, 0, len(env)+1)
	for _, e := range env {
		name, _, _ := strings.Cut(e, "=")
		if _, ok := change[name]; !ok && name != "FUSEML_APP_NAME" {
			run = append(run, e)
		}
	}
	for name, v := range change {
		run = append(run, name+"="+v)
	}
	run = append(run, "FUSEML_APP_NAME="+app)
	op := f.PlaySeldon(ns, "SeldonDeployment", app)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	// A short registration budget: two runs point at a closed port on purpose.
	res, err := f.RunStep(ctx, run, app, append([]string{"--verbose", "--registry-wait", "3s"}, args...)...)
	op.Stop()
	require.NoError(t, err)
	require.Equal(t, want, res.Code, "the step (%s): the exit code; its output:\n%s", app, res.Output)
	l.steps++
	if want != 0 {
		l.failingSteps++
	}
}

// registry asks the registry, as role, for every GET route it serves (from the
// handler's own list), with each extension, service, endpoint, credentials and
// application in place of the path's wildcards, each also with ?reveal=true but as the
// admin; and, for a reader, resolve. Every answer, headers and body, is scanned.
func (l *leakScan) registry(t *testing.T, s *stack, role, token string) {
	t.Helper()
	reg := s.flow.Registry
	get := func(path string) (int, string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, reg.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		return l.do(t, role, req)
	}
	// what the wildcards stand for, read as the admin (credentials redacted)
	var exts []registry.Extension
	var apps []registry.Application
	for path, v := range map[string]any{"/extensions": &exts, "/applications": &apps} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, reg.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+reg.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(body, v), "%s: %s", path, body)
	}
	var values []map[string]string
	for _, a := range apps {
		values = append(values, map[string]string{"name": a.Name})
	}
	for _, e := range exts {
		values = append(values, map[string]string{"id": e.ID})
		for _, sv := range e.Services {
			values = append(values, map[string]string{"id": e.ID, "sid": sv.ID})
			for _, p := range sv.Endpoints {
				values = append(values, map[string]string{"id": e.ID, "sid": sv.ID, "url": p.URL})
			}
			for _, c := range sv.Credentials {
				values = append(values, map[string]string{"id": e.ID, "sid": sv.ID, "cid": c.ID})
			}
		}
	}
	require.NotEmpty(t, exts)
	require.NotEmpty(t, apps)

	for _, pattern := range api.New(api.Config{}).Patterns() {
		route, ok := strings.CutPrefix(pattern, "GET ")
		if !ok {
			continue
		}
		paths := expandRoute(route, values)
		require.NotEmpty(t, paths, "%s: no value for its wildcards", pattern)
		l.paths[pattern] = true
		for _, path := range paths {
			code, _ := get(path)
			assert.Less(t, code, 500, "%s as %s", path, role)
			if role == "reader" && strings.Contains(route, "/credentials") {
				assert.Equal(t, http.StatusForbidden, code, "%s as a reader", path)
			}
			if role == "admin" {
				continue // an admin who asks sees the values: that is what reveal is for
			}
			code, _ = get(path + "?reveal=true")
			if strings.Contains(route, "/credentials") || route == "/extensions" ||
				strings.HasPrefix(route, "/extensions/{id}") && !strings.Contains(route, "/endpoints") {
				assert.Equal(t, http.StatusForbidden, code, "%s?reveal=true as %s", path, role)
			}
		}
	}
	if role == "reader" {
		body := `{"consumer":{"project":"workspace","user":"alice"},"requirements":[{"name":"s3","service_resource":"s3"},{"name":"registry","product":"fuseml"}]}`
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, reg.URL+"/extensions/resolve", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		code, _ := l.do(t, role, req)
		assert.Equal(t, http.StatusForbidden, code, "resolve as a reader")
	}
}

// do sends a request to the registry and scans the answer's status line, headers and body.
func (l *leakScan) do(t *testing.T, role string, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var head strings.Builder
	fmt.Fprintf(&head, "%s\n", resp.Status)
	require.NoError(t, resp.Header.Write(&head))
	where := fmt.Sprintf("the registry's answer to %s %s as %s", req.Method, req.URL.RequestURI(), role)
	l.text(where, head.String()+"\n"+string(body))
	l.responses[role]++
	return resp.StatusCode, string(body)
}

// expandRoute fills a route's wildcards ({id}, {sid}, {url}, {cid}, {name}) with each
// set of values that has exactly those, path-escaped.
func expandRoute(route string, values []map[string]string) []string {
	var wild []string
	for part := range strings.SplitSeq(route, "/") {
		if strings.HasPrefix(part, "{") {
			wild = append(wild, strings.Trim(part, "{}"))
		}
	}
	if len(wild) == 0 {
		return []string{route}
	}
	var out []string
	for _, v := range values {
		if len(v) != len(wild) {
			continue
		}
		path := route
		for _, w := range wild {
			val, ok := v[w]
			if !ok {
				path = ""
				break
			}
			path = strings.Replace(path, "{"+w+"}", url.PathEscape(val), 1)
		}
		if path != "" {
			out = append(out, path)
		}
	}
	return out
}

// kubernetes lists every object the API server serves in ns (but Secrets) and every
// cluster-scoped one, by kind, and scans each as JSON.
func (l *leakScan) kubernetes(t *testing.T, s *stack, ns string) {
	t.Helper()
	for _, namespaced := range []bool{true, false} {
		resources := listableResources(t, s, namespaced)
		for _, gvr := range resources {
			where := ns
			if !namespaced {
				where = ""
			}
			list, err := s.flow.Kube.Resource(gvr).Namespace(where).List(t.Context(), metav1.ListOptions{})
			if err != nil {
				l.unlistable = append(l.unlistable, fmt.Sprintf("%s (%v)", gvr, err))
				continue
			}
			for _, item := range list.Items {
				kind := item.GetKind()
				if kind == "" {
					kind = gvr.Resource
				}
				data, err := json.Marshal(item.Object)
				require.NoError(t, err)
				l.text(fmt.Sprintf("%s %s/%s", kind, item.GetNamespace(), item.GetName()), string(data))
				if namespaced {
					l.kinds[kind]++
				} else {
					l.clusterKinds[kind]++
				}
			}
			if namespaced {
				l.resources++
			} else {
				l.clusterResources++
			}
		}
	}
}

// listableResources are the resources the API server serves, in their preferred
// versions, namespaced or cluster-scoped, that can be listed: all but Secrets.
func listableResources(t *testing.T, s *stack, namespaced bool) []schema.GroupVersionResource {
	t.Helper()
	d := s.kube.Clientset().Discovery()
	var lists []*metav1.APIResourceList
	var err error
	if namespaced {
		lists, err = d.ServerPreferredNamespacedResources()
	} else {
		lists, err = d.ServerPreferredResources()
	}
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		require.NoError(t, err, "discovery")
	}
	var out []schema.GroupVersionResource
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		require.NoError(t, err)
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || r.Namespaced != namespaced || !slices.Contains(r.Verbs, "list") {
				continue
			}
			if gv.Group == "" && r.Name == "secrets" {
				continue
			}
			out = append(out, gv.WithResource(r.Name))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// summary is the scan's figures, for the README.
func (l *leakScan) summary() string {
	count := func(m map[string]int) (n int) {
		for _, v := range m {
			n += v
		}
		return n
	}
	found := "no credential found"
	if len(l.findings) > 0 {
		found = fmt.Sprintf("%d findings", len(l.findings))
	}
	return fmt.Sprintf("leak scan: %d log files (%s lines), %d Kubernetes objects of %d kinds in the namespace "+
		"(%d resources listed, Secrets left out) and %d cluster-scoped objects of %d kinds, "+
		"%d registry responses as reader (%d GET routes, each also with ?reveal=true, and resolve), %d as editor, %d as admin without reveal, "+
		"%d compile outputs (json, yaml; the Secret left out), %d fuseml command outputs, %d step runs (%d failing on purpose), %d result files: %s",
		l.logFiles, thousands(l.logLines), count(l.kinds), len(l.kinds), l.resources, count(l.clusterKinds), len(l.clusterKinds),
		l.responses["reader"], len(l.paths), l.responses["editor"], l.responses["admin"],
		l.compileOutputs, l.outputs, l.steps, l.failingSteps, l.resultFiles, found)
}

// byKind prints counts by kind: "Gateway 1, Pipeline 1".
func byKind(m map[string]int) string {
	kinds := make([]string, 0, len(m))
	for k := range m {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// closedPort is a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	port, err := testserver.FreePort()
	require.NoError(t, err)
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// canaries plants credentials where the scan looks and checks that the same code finds
// them: in a Kubernetes object of the namespace (and not in a Secret, which the scan
// leaves out), in a registry answer to a reader, in a log line.
func (l *leakScan) canaries(t *testing.T, s *stack) {
	ctx := t.Context()
	c := &leakScan{s: s, secrets: l.secrets, kinds: map[string]int{}, clusterKinds: map[string]int{},
		responses: map[string]int{}, paths: map[string]bool{}}
	names := func() map[string]bool {
		out := map[string]bool{}
		for _, f := range c.findings {
			out[f.Secret] = true
		}
		c.findings = nil
		return out
	}

	ns := s.kube.NewNamespace(t)
	cs := s.kube.Clientset()
	_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "canary", Annotations: map[string]string{"token": l.secrets[readerToken]}},
		Data:       map[string]string{"blob": base64.StdEncoding.EncodeToString([]byte("x" + l.secrets[s3SecretKey] + "y"))},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "canary"},
		StringData: map[string]string{"token": l.secrets[adminToken]},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	c.kubernetes(t, s, ns)
	assert.Equal(t, map[string]bool{readerToken: true, s3SecretKey: true}, names(),
		"credentials planted in a ConfigMap are found, and the Secret is left out")

	file := filepath.Join(t.TempDir(), "canary.log")
	require.NoError(t, os.WriteFile(file, []byte("clean\nAuthorization: Basic "+
		base64.StdEncoding.EncodeToString([]byte("u:"+l.secrets[stepToken]))+"\nurl=http://x/?k="+url.QueryEscape(l.secrets[adminToken])+"\n"), 0o600))
	var n int
	c.files(t, []string{file}, &n, nil)
	assert.Equal(t, map[string]bool{stepToken: true, adminToken: true}, names(), "credentials planted in a log are found")

	canary := filepath.Join(t.TempDir(), "canary.yaml")
	require.NoError(t, os.WriteFile(canary, []byte("id: leak-canary\nproduct: canary\nversion: 1.0.0\ndescription: "+l.secrets[unknownToken]+"\n"), 0o600))
	_, err = s.flow.MustCLI(ctx, "extension", "register", "-f", canary)
	require.NoError(t, err)
	c.registry(t, s, "reader", l.secrets[readerToken])
	_, err = s.flow.MustCLI(ctx, "extension", "delete", "leak-canary")
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{unknownToken: true}, names(), "a credential planted in an extension's description is found in a reader's answers")

	// And the credentials an admin asks to reveal are there.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.flow.Registry.URL+"/extensions/mlflow/services/mlflow-store/credentials?reveal=true", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.flow.Registry.AdminToken)
	code, _ := c.do(t, "admin", req)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, map[string]bool{s3SecretKey: true}, names(), "the S3 secret key is found in the credentials an admin reveals")
}
