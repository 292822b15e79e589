package e2e_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/openmodelops/fuseml-seldon/e2e/flow"
	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

// bin is where TestMain built the binaries; buildErr says why it could not.
var (
	bin      string
	buildErr error
)

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		dir, err := os.MkdirTemp("", "fuseml-e2e-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		root, err := testserver.RepoRoot()
		if err == nil {
			began := time.Now()
			err = flow.Build(context.Background(), root, dir, "e2e")
			fmt.Fprintf(os.Stderr, "e2e: built the binaries in %s\n", time.Since(began).Round(time.Millisecond))
		}
		bin, buildErr = dir, err
		code := testserver.Main(m)
		os.RemoveAll(dir)
		os.Exit(code)
	}
	os.Exit(testserver.Main(m))
}

// stack is the servers and the flow that the cases share.
type stack struct {
	flow  *flow.Flow
	s3    *flow.S3
	minio *testserver.MinIO
	kube  *testserver.Kube
	root  string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return newStackWith(t, nil)
}

// newStackWith is newStack with environment entries for every fuseml command (see
// flow.Flow.CLIEnv), from the registration of the extensions on.
func newStackWith(t *testing.T, cliEnv []string) *stack {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping: the end-to-end tests start real servers, which -short leaves out")
	}
	require.NoError(t, buildErr, "building the binaries")
	minio := testserver.StartMinIO(t)
	kube := testserver.StartKube(t)
	root, err := testserver.RepoRoot()
	require.NoError(t, err)
	crds := append(testserver.SeldonCRDFiles(t), testserver.IstioCRDFiles(t)...)
	kube.InstallCRDs(t, append(crds, testserver.TektonCRDFiles(t)...)...)

	dir := t.TempDir()
	reg, err := flow.StartRegistry(t.Context(), filepath.Join(bin, flow.RegistryBinary), filepath.Join(dir, "registry"), kube.Kubeconfig(), false)
	require.NoError(t, err)
	t.Cleanup(func() { reg.Process.Stop(10 * time.Second) })

	f := &flow.Flow{
		Root: root, Bin: bin, Dir: dir,
		S3Endpoint: minio.Endpoint, AccessKey: minio.AccessKey, SecretKey: minio.SecretKey,
		Kubeconfig: kube.Kubeconfig(), Kube: kube.Dynamic(), Registry: reg, CLIEnv: cliEnv,
	}
	require.NoError(t, f.RegisterExtensions(t.Context()))
	return &stack{flow: f, s3: flow.NewS3(minio.Endpoint, minio.AccessKey, minio.SecretKey), minio: minio, kube: kube, root: root}
}

// credentials are the values that must appear in no log, Pipeline, Seldon object or
// application record, by name.
func (s *stack) credentials(t *testing.T) map[string]string {
	kc, err := os.ReadFile(s.kube.Kubeconfig())
	require.NoError(t, err)
	var kubeToken string
	for line := range strings.SplitSeq(string(kc), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "token: "); ok {
			kubeToken = v
		}
	}
	require.NotEmpty(t, kubeToken, "the kubeconfig's token")
	return map[string]string{
		"the S3 access key":          s.minio.AccessKey,
		"the S3 secret key":          s.minio.SecretKey,
		"the registry's admin token": s.flow.Registry.AdminToken,
		"the step's registry token":  s.flow.Registry.StepToken,
		"the Kubernetes admin token": kubeToken,
	}
}

// tcase is one model taken through the main job.
type tcase struct {
	name      string
	model     string // folder under e2e/testdata/models
	predictor string // the workflow's predictor input
	seldonAPI string // v1 (SeldonDeployment) or v2 (Model)
	app       string
	server    string   // the graph's implementation (v1)
	layout    []string // the converted files, under <model>/seldon/
	uriSuffix string   // modelUri/storageUri after the model's URL
	urlPath   string   // prediction URL after http://<app>.seldon.example.com, with NS
}

var cases = []tcase{
	{name: "sklearn", model: "sklearn-iris", predictor: "auto", seldonAPI: "v1", app: "iris-sklearn", server: "SKLEARN_SERVER",
		layout: []string{"sklearn/.conversion.json", "sklearn/model.joblib"}, uriSuffix: "/seldon/sklearn",
		urlPath: "/seldon/NS/iris-sklearn/api/v1.0/predictions"},
	{name: "tensorflow", model: "tensorflow-mlflow1", predictor: "tensorflow", seldonAPI: "v1", app: "tf-mnist", server: "TENSORFLOW_SERVER",
		layout: []string{"tensorflow/.conversion.json", "tensorflow/1/saved_model.pb",
			"tensorflow/1/variables/variables.data-00000-of-00001", "tensorflow/1/variables/variables.index"},
		uriSuffix: "/seldon/tensorflow", urlPath: "/seldon/NS/tf-mnist/v1/models/tf-mnist:predict"},
	{name: "triton onnx", model: "onnx-iris", predictor: "triton", seldonAPI: "v1", app: "onnx-iris", server: "TRITON_SERVER",
		layout:    []string{"triton/.conversion.json", "triton/onnx-iris/1/model.onnx", "triton/onnx-iris/config.pbtxt"},
		uriSuffix: "/seldon/triton", urlPath: "/seldon/NS/onnx-iris/v2/models/onnx-iris/infer"},
	{name: "mlflow", model: "pytorch-mlflow2", predictor: "auto", seldonAPI: "v1", app: "torch-mlflow", server: "MLFLOW_SERVER",
		urlPath: "/seldon/NS/torch-mlflow/api/v1.0/predictions"},
	{name: "seldon v2", model: "sklearn-iris", predictor: "sklearn", seldonAPI: "v2", app: "iris-v2",
		layout:    []string{"sklearn/.conversion.json", "sklearn/model-settings.json", "sklearn/model.joblib"},
		uriSuffix: "/seldon/sklearn", urlPath: "/v2/models/iris-v2/infer"},
}

const (
	bucket   = "mlflow-artifacts"
	domain   = "seldon.example.com"
	workflow = "seldon-predictor"
)

// TestMainJob takes each sample model through the main job: upload, register, compile,
// apply, run the step as the task would, play Seldon, check, list, delete.
func TestMainJob(t *testing.T) {
	s := newStack(t)
	require.NoError(t, s.s3.MakeBucket(t.Context(), bucket))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { s.run(t, tc, false) })
	}
	t.Run("rerun", func(t *testing.T) {
		tc := cases[0]
		tc.app = "iris-rerun"
		tc.urlPath = "/seldon/NS/iris-rerun/api/v1.0/predictions"
		s.run(t, tc, true)
	})
}

// run takes one case through the main job; with rerun, it runs the step a second time
// and checks that nothing changed.
func (s *stack) run(t *testing.T, tc tcase, rerun bool) {
	ctx := t.Context()
	f := s.flow
	ns := s.kube.NewNamespace(t)
	require.NoError(t, f.CreateGateway(ctx, ns, domain))

	// The model, uploaded by an S3 client of our own, as MLflow would log it.
	prefix := fmt.Sprintf("1/%s/artifacts/model", tc.app)
	require.NoError(t, s.s3.Upload(ctx, filepath.Join(s.root, "e2e", "testdata", "models", tc.model), bucket, prefix))
	modelURL := "s3://" + bucket + "/" + prefix

	// Compile the workflow and apply it.
	compiled, err := f.Compile(ctx, filepath.Join(s.root, flow.Workflow), ns, "workspace", "alice")
	require.NoError(t, err)
	require.NoError(t, f.Apply(ctx, compiled))
	stored, pipeline, err := f.GetPipeline(ctx, ns, workflow)
	require.NoError(t, err, "the Pipeline is in the API server")
	assert.Equal(t, compiled.Pipeline.Spec, stored.Spec, "the API server keeps the compiled Pipeline as it is")

	// The task's environment, as Tekton and the kubelet would give it, from the Pipeline
	// in the API server.
	env, err := f.TaskEnv(ctx, stored, "predictor",
		map[string]string{"model": modelURL, "predictor": tc.predictor, "app_name": tc.app}, ns)
	require.NoError(t, err)
	envMap := map[string]string{}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		envMap[k] = v
	}
	assert.Equal(t, map[string]string{
		"FUSEML_MODEL": modelURL, "FUSEML_PREDICTOR": tc.predictor, "FUSEML_APP_NAME": tc.app,
		"FUSEML_ENV_WORKFLOW_NAME": workflow, "FUSEML_ENV_WORKFLOW_NAMESPACE": ns, "TASK_RESULT": "prediction-url",
		"MLFLOW_S3_ENDPOINT_URL": s.minio.Endpoint,
		"AWS_ACCESS_KEY_ID":      s.minio.AccessKey, "AWS_SECRET_ACCESS_KEY": s.minio.SecretKey,
		"FUSEML_SERVER_URL": f.Registry.URL, "FUSEML_TOKEN": f.Registry.StepToken,
	}, envMap, "the task's environment")

	// --verbose: the debug log too is scanned for credentials below.
	kind, args := "SeldonDeployment", []string{"--verbose"}
	if tc.seldonAPI == "v2" {
		kind, args = "Model", append(args, "--seldon-api", "v2")
	}
	op := f.PlaySeldon(ns, kind, tc.app)
	stepCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	run, err := f.RunStep(stepCtx, env, tc.app, args...)
	op.Stop()
	require.NoError(t, err)
	require.Equal(t, 0, run.Code, "the step's exit code; its output:\n%s", run.Output)
	t.Logf("the step's log:\n%s", run.Output)

	// The converted layout, listed with aws-sdk-go-v2.
	keys, err := s.s3.List(ctx, bucket, prefix)
	require.NoError(t, err)
	var layout []string
	for _, k := range keys {
		if rest, ok := strings.CutPrefix(k, "seldon/"); ok {
			layout = append(layout, rest)
		}
	}
	assert.Equal(t, tc.layout, layout, "the converted layout under %s/seldon/", modelURL)
	if tc.server == "SKLEARN_SERVER" || tc.seldonAPI == "v2" {
		orig, err := os.ReadFile(filepath.Join(s.root, "e2e", "testdata", "models", tc.model, "model.pkl"))
		require.NoError(t, err)
		conv, err := s.s3.Get(ctx, bucket, prefix+"/seldon/sklearn/model.joblib")
		require.NoError(t, err)
		assert.Equal(t, orig, conv, "model.joblib is model.pkl's bytes")
		checkPredicts(t, conv)
	}

	// The result file.
	wantURL := "http://" + tc.app + "." + domain + strings.ReplaceAll(tc.urlPath, "NS", ns)
	assert.Equal(t, wantURL, run.Result, "the prediction-url result")

	// The objects in the API server.
	svc := s.checkObjects(t, ns, kind, tc, modelURL+tc.uriSuffix)

	// The application, through the CLI.
	out, err := f.MustCLI(ctx, "application", "list", "-o", "json")
	require.NoError(t, err)
	var apps []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &apps), "application list -o json:\n%s", out)
	var app map[string]any
	for _, a := range apps {
		if a["name"] == tc.app {
			app = a
		}
	}
	require.NotNil(t, app, "application %s in:\n%s", tc.app, out)
	assert.Equal(t, "predictor", app["type"])
	assert.Equal(t, wantURL, app["url"])
	assert.Equal(t, workflow, app["workflow"])
	assert.Equal(t, ns, app["k8s_namespace"])
	assert.Equal(t, modelURL, app["model"])

	if rerun {
		before := s.versions(t, ns, kind, tc.app)
		op := f.PlaySeldon(ns, kind, tc.app) // already Available: the step finds it so
		again, err := f.RunStep(stepCtx, env, tc.app+"-again", args...)
		op.Stop()
		require.NoError(t, err)
		require.Equal(t, 0, again.Code, "the rerun's exit code; its output:\n%s", again.Output)
		assert.Equal(t, before, s.versions(t, ns, kind, tc.app), "a rerun leaves every object's resourceVersion as it was")
		keysAgain, err := s.s3.List(ctx, bucket, prefix)
		require.NoError(t, err)
		assert.Equal(t, keys, keysAgain, "a rerun writes no new file")
		assert.Contains(t, again.Output, "copied=0")
		assert.Equal(t, run.Result, again.Result)
	}

	// No credential in any log, the Pipeline, the Seldon object or the records.
	secrets := s.credentials(t)
	logs := append(f.Logs(), filepath.Join(s.minio.Dir, "minio.log"),
		filepath.Join(s.kube.Dir(), "kube-apiserver.log"), filepath.Join(s.kube.Dir(), "etcd.log"))
	findings, err := flow.ScanFiles(logs, secrets)
	require.NoError(t, err)
	pj, _ := json.Marshal(pipeline.Object)
	findings = append(findings, flow.ScanText("the Pipeline "+workflow, string(pj), secrets)...)
	sj, _ := json.Marshal(svc.Object)
	findings = append(findings, flow.ScanText("the "+kind+" "+tc.app, string(sj), secrets)...)
	findings = append(findings, flow.ScanText("application list -o json", out, secrets)...)
	get, err := f.MustCLI(ctx, "application", "get", tc.app, "-o", "json")
	require.NoError(t, err)
	findings = append(findings, flow.ScanText("application get -o json", get, secrets)...)
	assert.Empty(t, findings, "credential values where none may be")

	// Deleting the application removes the record and the Kubernetes objects.
	_, err = f.MustCLI(ctx, "application", "delete", tc.app, "--yes")
	require.NoError(t, err)
	res, err := f.CLI(ctx, "application", "get", tc.app)
	require.NoError(t, err)
	assert.Equal(t, 3, res.Code, "application get after the delete: want not found (3); stderr: %s", res.Stderr)
	for _, obj := range s.objects(kind, tc.app) {
		_, err := f.Kube.Resource(obj.gvr).Namespace(ns).Get(ctx, obj.name, metav1.GetOptions{})
		assert.True(t, apierrors.IsNotFound(err), "%s %s after the delete: %v", obj.gvr.Resource, obj.name, err)
	}
}

type object struct {
	gvr  schemaGVR
	name string
}

// objects are what the step creates for an application.
func (s *stack) objects(kind, app string) []object {
	if kind == "Model" {
		return []object{{flow.SecretGVR, app + "-init-container-secret"}, {flow.ModelGVR, app}}
	}
	return []object{{flow.SecretGVR, app + "-init-container-secret"}, {flow.ServiceAccountGVR, app + "-seldon"}, {flow.SeldonDeploymentGVR, app}}
}

// versions returns the resourceVersion of each object of the application.
func (s *stack) versions(t *testing.T, ns, kind, app string) map[string]string {
	out := map[string]string{}
	for _, obj := range s.objects(kind, app) {
		u, err := s.flow.Kube.Resource(obj.gvr).Namespace(ns).Get(t.Context(), obj.name, metav1.GetOptions{})
		require.NoError(t, err)
		out[obj.gvr.Resource+"/"+obj.name] = u.GetResourceVersion()
	}
	return out
}

// checkObjects checks the prediction service and its Secret and ServiceAccount, and
// returns the service.
func (s *stack) checkObjects(t *testing.T, ns, kind string, tc tcase, modelURI string) *unstructured.Unstructured {
	ctx := t.Context()
	dyn := s.flow.Kube
	gvr := flow.SeldonDeploymentGVR
	if kind == "Model" {
		gvr = flow.ModelGVR
	}
	svc, err := dyn.Resource(gvr).Namespace(ns).Get(ctx, tc.app, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, workflow, svc.GetLabels()["fuseml/workflow"])
	assert.Equal(t, tc.app, svc.GetLabels()["fuseml/app-name"])
	secretName := tc.app + "-init-container-secret"
	if kind == "Model" {
		uri, _, _ := unstructured.NestedString(svc.Object, "spec", "storageUri")
		assert.Equal(t, modelURI, uri)
		ref, _, _ := unstructured.NestedString(svc.Object, "spec", "secretName")
		assert.Equal(t, secretName, ref)
	} else {
		preds, _, _ := unstructured.NestedSlice(svc.Object, "spec", "predictors")
		require.Len(t, preds, 1)
		graph := preds[0].(map[string]any)["graph"].(map[string]any)
		assert.Equal(t, tc.server, graph["implementation"])
		assert.Equal(t, modelURI, graph["modelUri"])
		assert.Equal(t, secretName, graph["envSecretRefName"])
		sa, err := dyn.Resource(flow.ServiceAccountGVR).Namespace(ns).Get(ctx, tc.app+"-seldon", metav1.GetOptions{})
		require.NoError(t, err, "the ServiceAccount")
		require.Len(t, sa.GetOwnerReferences(), 1)
		assert.Equal(t, svc.GetUID(), sa.GetOwnerReferences()[0].UID)
	}
	secret, err := dyn.Resource(flow.SecretGVR).Namespace(ns).Get(ctx, secretName, metav1.GetOptions{})
	require.NoError(t, err, "the storage initializer's Secret")
	data, _, _ := unstructured.NestedStringMap(secret.Object, "data")
	got := map[string]string{}
	for k, v := range data {
		b, err := decode(v)
		require.NoError(t, err)
		got[k] = b
	}
	if kind == "Model" {
		// Seldon Core v2 reads one rclone remote, as YAML, from the key s3.
		var remote struct {
			Type       string            `json:"type"`
			Parameters map[string]string `json:"parameters"`
		}
		require.NoError(t, yaml.Unmarshal([]byte(got["s3"]), &remote), "the rclone remote in %s", secretName)
		assert.Equal(t, "s3", remote.Type)
		got = map[string]string{
			"RCLONE_CONFIG_S3_ACCESS_KEY_ID":     remote.Parameters["access_key_id"],
			"RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": remote.Parameters["secret_access_key"],
			"RCLONE_CONFIG_S3_ENDPOINT":          remote.Parameters["endpoint"],
		}
	}
	assert.Equal(t, s.minio.AccessKey, got["RCLONE_CONFIG_S3_ACCESS_KEY_ID"])
	assert.Equal(t, s.minio.SecretKey, got["RCLONE_CONFIG_S3_SECRET_ACCESS_KEY"])
	assert.Equal(t, s.minio.Endpoint, got["RCLONE_CONFIG_S3_ENDPOINT"])
	return svc
}

// checkPredicts loads the converted model.joblib as Seldon's SKLEARN_SERVER does
// (joblib.load) and predicts the iris input example, where /usr/bin/python3 has
// scikit-learn (Debian's python3-sklearn); otherwise it says so and returns.
func checkPredicts(t *testing.T, joblib []byte) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import sklearn, joblib").Run(); err != nil {
		t.Logf("not loading model.joblib: %s has no scikit-learn (apt-get install python3-sklearn)", py)
		return
	}
	file := filepath.Join(t.TempDir(), "model.joblib")
	require.NoError(t, os.WriteFile(file, joblib, 0o600))
	out, err := exec.Command(py, "-c", `import joblib, sys
m = joblib.load(sys.argv[1])
print(list(m.predict([[5.1, 3.5, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4], [6.3, 3.3, 6.0, 2.5]])))`, file).CombinedOutput()
	require.NoError(t, err, "loading model.joblib: %s", out)
	assert.Equal(t, "[0, 1, 2]", strings.TrimSpace(string(out)), "the served model's predictions")
}
