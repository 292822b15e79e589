package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/api"
	"github.com/openmodelops/fuseml-seldon/registry/client"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
	"github.com/openmodelops/fuseml-seldon/registry/store"
	"github.com/openmodelops/fuseml-seldon/step/seldon"
)

func TestMain(m *testing.M) { os.Exit(testserver.Main(m)) }

const fixtures = "../../../mlflow/testdata/models"

// world is the set of real servers one test runs the step against.
type world struct {
	t         *testing.T
	minio     *testserver.MinIO
	bucket    string
	kube      *testserver.Kube
	namespace string
	registry  string
	token     string
	client    *client.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, minio: testserver.StartMinIO(t), kube: testserver.StartKube(t)}
	w.bucket = w.minio.NewBucket(t)
	w.kube.InstallCRDs(t, append(testserver.SeldonCRDFiles(t), testserver.IstioCRDFiles(t)...)...)
	w.namespace = w.kube.NewNamespace(t)
	w.registry, w.token = startRegistry(t)
	c, err := client.New(client.Config{URL: w.registry, Token: w.token})
	require.NoError(t, err)
	w.client = c
	return w
}

// startRegistry serves the real registry handler over a real SQLite store.
func startRegistry(t *testing.T) (url, token string) {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	cipher, err := seal.New(key)
	require.NoError(t, err)
	db, err := store.Open(context.Background(), store.Config{Path: filepath.Join(t.TempDir(), "registry.db"), Cipher: cipher})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	tokens := api.NewTokens()
	token = api.NewToken()
	require.NoError(t, tokens.Add(token, api.Principal{Name: "step", Role: api.RoleEditor}))
	srv := httptest.NewServer(api.New(api.Config{Store: db, Tokens: tokens}))
	t.Cleanup(srv.Close)
	return srv.URL, token
}

// upload copies a fixture model folder into the bucket under prefix.
func (w *world) upload(fixture, prefix string) {
	w.t.Helper()
	mc := w.minio.Client(w.t)
	root := filepath.Join(fixtures, fixture)
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		_, err = mc.FPutObject(context.Background(), w.bucket, prefix+"/"+filepath.ToSlash(rel), p, minio.PutObjectOptions{})
		return err
	})
	require.NoError(w.t, err)
}

// keys lists the objects under prefix, relative to it.
func (w *world) keys(prefix string) []string {
	var out []string
	for o := range w.minio.Client(w.t).ListObjects(context.Background(), w.bucket, minio.ListObjectsOptions{Prefix: prefix + "/", Recursive: true}) {
		require.NoError(w.t, o.Err)
		out = append(out, strings.TrimPrefix(o.Key, prefix+"/"))
	}
	sort.Strings(out)
	return out
}

// env is the environment the compiled Tekton task gives the step.
func (w *world) env(extra map[string]string) {
	for k, v := range w.minio.Env() {
		w.t.Setenv(k, v)
	}
	w.t.Setenv("FUSEML_ENV_WORKFLOW_NAME", "mlflow-seldon")
	w.t.Setenv("FUSEML_ENV_WORKFLOW_NAMESPACE", w.namespace)
	w.t.Setenv("FUSEML_SERVER_URL", w.registry)
	w.t.Setenv("FUSEML_TOKEN", w.token)
	w.t.Setenv("KUBECONFIG", w.kube.Kubeconfig())
	w.t.Setenv("TASK_RESULT", "prediction-url")
	for k, v := range extra {
		w.t.Setenv(k, v)
	}
}

// run runs the step in-process and returns its exit code, stdout and stderr.
func (w *world) run(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := Run(ctx, append([]string{"seldon-core-predictor"}, args...), &stdout, &stderr)
	return ExitCode(err), stdout.String(), stderr.String()
}

// gateway creates the Istio Gateway that FuseML's Seldon installation has.
func (w *world) gateway() {
	gw := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
		"metadata": map[string]any{"name": "seldon-gateway", "namespace": w.namespace},
		"spec": map[string]any{
			"selector": map[string]any{"istio": "ingressgateway"},
			"servers": []any{map[string]any{
				"hosts": []any{"*.seldon.example.com"},
				"port":  map[string]any{"name": "http", "number": int64(80), "protocol": "HTTP"},
			}},
		},
	}}
	_, err := w.kube.Dynamic().Resource(seldon.GatewayGVR).Namespace(w.namespace).Create(context.Background(), gw, metav1.CreateOptions{})
	require.NoError(w.t, err)
}

// fakeSeldonOperator stands in for the Seldon operator, which cannot run here: once the
// named SeldonDeployment or Model appears, it writes the status Seldon would write.
type fakeSeldonOperator struct {
	stop func()
	wg   sync.WaitGroup
}

// playSeldon starts a fakeSeldonOperator that reports ready (or failed, with reason).
func (w *world) playSeldon(kind, name string, failReason string) *fakeSeldonOperator {
	ctx, cancel := context.WithCancel(context.Background())
	op := &fakeSeldonOperator{stop: cancel}
	gvr := seldon.SeldonDeploymentGVR
	if kind == "Model" {
		gvr = seldon.ModelGVR
	}
	res := w.kube.Dynamic().Resource(gvr).Namespace(w.namespace)
	op.wg.Add(1)
	go func() {
		defer op.wg.Done()
		for ctx.Err() == nil {
			u, err := res.Get(ctx, name, metav1.GetOptions{})
			if err == nil && setStatus(ctx, res, u, kind, failReason) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	w.t.Cleanup(op.Stop)
	return op
}

func (op *fakeSeldonOperator) Stop() { op.stop(); op.wg.Wait() }

func setStatus(ctx context.Context, res dynamic.ResourceInterface, u *unstructured.Unstructured, kind, failReason string) bool {
	if kind == "Model" {
		status, reason, msg := "True", "ModelAvailable", ""
		if failReason != "" {
			status, reason, msg = "False", "ModelFailed", failReason
		}
		u.Object["status"] = map[string]any{"conditions": []any{map[string]any{
			"type": "ModelReady", "status": status, "reason": reason, "message": msg,
			"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
		}}}
	} else {
		state, desc := "Available", ""
		if failReason != "" {
			state, desc = "Failed", failReason
		}
		u.Object["status"] = map[string]any{"state": state, "description": desc}
	}
	_, err := res.UpdateStatus(ctx, u, metav1.UpdateOptions{})
	return err == nil
}

func TestStepServesEachFlavor(t *testing.T) {
	w := newWorld(t)
	w.gateway()
	tests := []struct {
		name, fixture, predictor, api string
		app                           string
		kind                          string
		server                        string
		layout                        []string // under <model>/seldon/, "" entries none
		uriSuffix                     string
		url                           string
	}{
		{"sklearn", "sklearn-mlflow2", "auto", "v1", "iris-sklearn", "SeldonDeployment", "SKLEARN_SERVER",
			[]string{"sklearn/.conversion.json", "sklearn/model.joblib"}, "/seldon/sklearn",
			"http://iris-sklearn.seldon.example.com/seldon/NS/iris-sklearn/api/v1.0/predictions"},
		{"tensorflow mlflow1", "tensorflow-mlflow1", "tensorflow", "v1", "tf1", "SeldonDeployment", "TENSORFLOW_SERVER",
			[]string{"tensorflow/.conversion.json", "tensorflow/1/saved_model.pb", "tensorflow/1/variables/variables.data-00000-of-00001", "tensorflow/1/variables/variables.index"},
			"/seldon/tensorflow", "http://tf1.seldon.example.com/seldon/NS/tf1/v1/models/tf1:predict"},
		{"keras savedmodel", "tensorflow-keras-savedmodel-mlflow2", "auto", "v1", "keras-mnist", "SeldonDeployment", "TENSORFLOW_SERVER",
			[]string{"tensorflow/.conversion.json", "tensorflow/1/fingerprint.pb", "tensorflow/1/keras_metadata.pb", "tensorflow/1/saved_model.pb",
				"tensorflow/1/variables/variables.data-00000-of-00001", "tensorflow/1/variables/variables.index"},
			"/seldon/tensorflow", "http://keras-mnist.seldon.example.com/seldon/NS/keras-mnist/v1/models/keras-mnist:predict"},
		{"triton onnx", "onnx-mlflow2", "auto", "v1", "onnx-iris", "SeldonDeployment", "TRITON_SERVER",
			[]string{"triton/.conversion.json", "triton/onnx-iris/1/model.onnx", "triton/onnx-iris/config.pbtxt"},
			"/seldon/triton", "http://onnx-iris.seldon.example.com/seldon/NS/onnx-iris/v2/models/onnx-iris/infer"},
		{"xgboost", "xgboost-mlflow2", "auto", "v1", "xgb", "SeldonDeployment", "XGBOOST_SERVER",
			[]string{"xgboost/.conversion.json", "xgboost/model.bst"}, "/seldon/xgboost",
			"http://xgb.seldon.example.com/seldon/NS/xgb/api/v1.0/predictions"},
		{"mlflow", "pytorch-mlflow2", "auto", "v1", "torch", "SeldonDeployment", "MLFLOW_SERVER",
			nil, "", "http://torch.seldon.example.com/seldon/NS/torch/api/v1.0/predictions"},
		{"v2 model", "sklearn-mlflow3", "sklearn", "v2", "churn-v2", "Model", "",
			[]string{"sklearn/.conversion.json", "sklearn/model-settings.json", "sklearn/model.joblib"}, "/seldon/sklearn",
			"http://churn-v2.seldon.example.com/v2/models/churn-v2/infer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix := "mlflow/1/" + tt.app + "/artifacts/model"
			w.upload(tt.fixture, prefix)
			w.env(map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/" + prefix, "FUSEML_PREDICTOR": tt.predictor, "FUSEML_APP_NAME": tt.app})
			results := t.TempDir()
			w.playSeldon(tt.kind, tt.app, "")

			code, _, stderr := w.run("--results-dir", results, "--timeout", "1m", "--seldon-api", tt.api, "--verbose")
			require.Equal(t, 0, code, "stderr:\n%s", stderr)
			t.Logf("the step's log:\n%s", stderr)

			// The converted layout.
			var layout []string
			for _, k := range w.keys(prefix) {
				if strings.HasPrefix(k, "seldon/") {
					layout = append(layout, strings.TrimPrefix(k, "seldon/"))
				}
			}
			assert.Equal(t, tt.layout, layout)

			// The prediction URL, without a trailing newline.
			wantURL := strings.ReplaceAll(tt.url, "/NS/", "/"+w.namespace+"/")
			got, err := os.ReadFile(filepath.Join(results, "prediction-url"))
			require.NoError(t, err)
			assert.Equal(t, wantURL, string(got))

			// The objects in the API server.
			modelURI := "s3://" + w.bucket + "/" + prefix + tt.uriSuffix
			w.checkObjects(t, tt.kind, tt.app, tt.server, modelURI)

			// The application record.
			rec, err := w.client.GetApplication(context.Background(), tt.app)
			require.NoError(t, err)
			assert.Equal(t, "predictor", rec.Type)
			assert.Equal(t, wantURL, rec.URL)
			assert.Equal(t, "mlflow-seldon", rec.Workflow)
			assert.Equal(t, w.namespace, rec.K8sNamespace)
			assert.Equal(t, "s3://"+w.bucket+"/"+prefix, rec.Model)
			require.NotNil(t, rec.Status)
			assert.Equal(t, "ready", rec.Status.State)
			var kinds []string
			for _, r := range rec.K8sResources {
				kinds = append(kinds, r.Kind+"/"+r.Name)
			}
			if tt.kind == "Model" {
				assert.Equal(t, []string{"Secret/" + tt.app + "-init-container-secret", "Model/" + tt.app}, kinds)
			} else {
				assert.Equal(t, []string{"Secret/" + tt.app + "-init-container-secret", "ServiceAccount/" + tt.app + "-seldon", "SeldonDeployment/" + tt.app}, kinds)
			}

			// No secret in the log or in any object but the Secret.
			assert.NotContains(t, stderr, w.minio.SecretKey)
			assert.NotContains(t, stderr, w.minio.AccessKey)
			assert.NotContains(t, stderr, w.token)
		})
	}
}

func (w *world) checkObjects(t *testing.T, kind, app, server, modelURI string) {
	ctx := context.Background()
	dyn := w.kube.Dynamic()
	gvr := seldon.SeldonDeploymentGVR
	if kind == "Model" {
		gvr = seldon.ModelGVR
	}
	svc, err := dyn.Resource(gvr).Namespace(w.namespace).Get(ctx, app, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "mlflow-seldon", svc.GetLabels()["fuseml/workflow"])
	assert.Equal(t, app, svc.GetLabels()["fuseml/app-name"])
	if kind == "Model" {
		uri, _, _ := unstructured.NestedString(svc.Object, "spec", "storageUri")
		assert.Equal(t, modelURI, uri)
		secretName, _, _ := unstructured.NestedString(svc.Object, "spec", "secretName")
		assert.Equal(t, app+"-init-container-secret", secretName)
	} else {
		preds, _, _ := unstructured.NestedSlice(svc.Object, "spec", "predictors")
		require.Len(t, preds, 1)
		graph := preds[0].(map[string]any)["graph"].(map[string]any)
		assert.Equal(t, server, graph["implementation"])
		assert.Equal(t, modelURI, graph["modelUri"])
		assert.Equal(t, app+"-init-container-secret", graph["envSecretRefName"])
		assert.Equal(t, app+"-seldon", graph["serviceAccountName"])
		sa, err := dyn.Resource(seldon.ServiceAccountGVR).Namespace(w.namespace).Get(ctx, app+"-seldon", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, svc.GetUID(), sa.GetOwnerReferences()[0].UID)
		assertNoSecret(t, sa, w.minio.SecretKey, w.minio.AccessKey)
	}
	secret, err := dyn.Resource(seldon.SecretGVR).Namespace(w.namespace).Get(ctx, app+"-init-container-secret", metav1.GetOptions{})
	require.NoError(t, err)
	require.Len(t, secret.GetOwnerReferences(), 1)
	assert.Equal(t, svc.GetUID(), secret.GetOwnerReferences()[0].UID)
	assertNoSecret(t, svc, w.minio.SecretKey, w.minio.AccessKey)
}

func assertNoSecret(t *testing.T, u *unstructured.Unstructured, secrets ...string) {
	data, err := json.Marshal(u.Object)
	require.NoError(t, err)
	for _, s := range secrets {
		assert.NotContains(t, string(data), s, "%s %s holds a credential", u.GetKind(), u.GetName())
	}
}

func TestStepRerunChangesNothing(t *testing.T) {
	w := newWorld(t)
	prefix := "models/rerun"
	w.upload("sklearn-mlflow2", prefix)
	w.env(map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/" + prefix, "FUSEML_APP_NAME": "rerun"})
	w.playSeldon("SeldonDeployment", "rerun", "")
	code, _, stderr := w.run("--results-dir", t.TempDir(), "--timeout", "1m")
	require.Equal(t, 0, code, stderr)

	ctx := context.Background()
	dyn := w.kube.Dynamic()
	get := func() map[string]string {
		out := map[string]string{}
		for name, res := range map[string]dynamic.ResourceInterface{
			"rerun":                       dyn.Resource(seldon.SeldonDeploymentGVR).Namespace(w.namespace),
			"rerun-seldon":                dyn.Resource(seldon.ServiceAccountGVR).Namespace(w.namespace),
			"rerun-init-container-secret": dyn.Resource(seldon.SecretGVR).Namespace(w.namespace),
		} {
			u, err := res.Get(ctx, name, metav1.GetOptions{})
			require.NoError(t, err)
			out[name] = u.GetResourceVersion()
		}
		return out
	}
	before := get()
	layout := w.keys(prefix)

	code, _, stderr = w.run("--results-dir", t.TempDir(), "--timeout", "1m", "--verbose")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, before, get(), "a rerun leaves every object's resourceVersion as it was")
	assert.Equal(t, layout, w.keys(prefix))
	assert.Contains(t, stderr, "up_to_date=true")
	assert.Contains(t, stderr, "copied=0")
}

func TestStepSeldonFailsOrTimesOut(t *testing.T) {
	w := newWorld(t)
	prefix := "models/failing"
	w.upload("sklearn-mlflow1", prefix)
	w.env(map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/" + prefix, "FUSEML_APP_NAME": "failing"})
	w.playSeldon("SeldonDeployment", "failing", "Deployment does not have minimum availability")
	code, _, stderr := w.run("--results-dir", t.TempDir(), "--timeout", "1m")
	assert.Equal(t, ExitKubernetes, code)
	assert.Contains(t, stderr, `Seldon reports state "Failed": Deployment does not have minimum availability`)
	rec, err := w.client.GetApplication(context.Background(), "failing")
	require.NoError(t, err, "the failure is recorded")
	assert.Equal(t, "failed", rec.Status.State)

	w.env(map[string]string{"FUSEML_APP_NAME": "slow"})
	code, _, stderr = w.run("--results-dir", t.TempDir(), "--timeout", "2s")
	assert.Equal(t, ExitKubernetes, code)
	assert.Contains(t, stderr, "SeldonDeployment slow not ready after 2s: last state seen: none: Seldon has written no status yet")
}

func TestStepOwnership(t *testing.T) {
	w := newWorld(t)
	prefix := "models/owned"
	w.upload("sklearn-mlflow2", prefix)
	w.env(map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/" + prefix, "FUSEML_APP_NAME": "owned", "FUSEML_ENV_WORKFLOW_NAME": "other-workflow"})
	w.playSeldon("SeldonDeployment", "owned", "")
	code, _, stderr := w.run("--results-dir", t.TempDir(), "--timeout", "1m")
	require.Equal(t, 0, code, stderr)

	w.env(map[string]string{"FUSEML_ENV_WORKFLOW_NAME": "mlflow-seldon"})
	code, _, stderr = w.run("--results-dir", t.TempDir(), "--timeout", "1m")
	assert.Equal(t, ExitKubernetes, code)
	assert.Contains(t, stderr, `SeldonDeployment `+w.namespace+`/owned exists and belongs to workflow "other-workflow", not "mlflow-seldon"`)

	code, _, stderr = w.run("--results-dir", t.TempDir(), "--timeout", "1m", "--force")
	require.Equal(t, 0, code, stderr)
	svc, err := w.kube.Dynamic().Resource(seldon.SeldonDeploymentGVR).Namespace(w.namespace).Get(context.Background(), "owned", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "mlflow-seldon", svc.GetLabels()["fuseml/workflow"])
	rec, err := w.client.GetApplication(context.Background(), "owned")
	require.NoError(t, err)
	assert.Equal(t, "mlflow-seldon", rec.Workflow)
}

func TestStepBadInputs(t *testing.T) {
	w := newWorld(t)
	w.upload("sklearn-mlflow2", "models/sk")
	require.NoError(t, w.minio.Client(t).MakeBucket(context.Background(), w.bucket+"-empty", minio.MakeBucketOptions{}))
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"missing model", map[string]string{"FUSEML_MODEL": ""}, nil, ExitInput, "FUSEML_MODEL: not set"},
		{"gs url", map[string]string{"FUSEML_MODEL": "gs://bucket/model"}, nil, ExitInput, `FUSEML_MODEL: invalid model URI "gs://bucket/model": scheme "gs" is not supported`},
		{"no MLmodel", map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/models/nothing-here"}, nil, ExitModel, "holds no MLflow model"},
		{"tensorflow for sklearn", map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/models/sk", "FUSEML_PREDICTOR": "tensorflow"}, nil, ExitModel,
			`predictor "tensorflow" cannot serve this model: it is a scikit-learn model (model.pkl)`},
		{"unknown predictor", map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/models/sk", "FUSEML_PREDICTOR": "torchserve"}, nil, ExitInput, `FUSEML_PREDICTOR: unknown predictor "torchserve"`},
		{"invalid app name", map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/models/sk", "FUSEML_APP_NAME": "***"}, nil, ExitInput, `FUSEML_APP_NAME: "***": no valid Kubernetes name`},
		{"unreachable S3", map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/models/sk", "MLFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:1"}, nil, ExitInput, "MLFLOW_S3_ENDPOINT_URL: cannot reach the artifact store at http://127.0.0.1:1"},
		{"bad limits", map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/models/sk", "FUSEML_RESOURCES_LIMITS": "cpu=many"}, nil, ExitInput, `FUSEML_RESOURCES_LIMITS: cpu="many": not a Kubernetes quantity`},
		{"bad seldon api", map[string]string{"FUSEML_MODEL": "s3://" + w.bucket + "/models/sk"}, []string{"--seldon-api", "v3"}, ExitInput, "--seldon-api"},
		{"unknown flag", nil, []string{"--modle", "x"}, ExitInput, "flag provided but not defined: -modle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"FUSEML_APP_NAME": "bad-input", "FUSEML_PREDICTOR": "auto", "FUSEML_RESOURCES_LIMITS": ""}
			for k, v := range tt.env {
				env[k] = v
			}
			w.env(env)
			code, _, stderr := w.run(append([]string{"--results-dir", t.TempDir(), "--timeout", "5s"}, tt.args...)...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.want)
			assert.NotContains(t, stderr, w.minio.SecretKey)
		})
	}
	_, err := w.kube.Dynamic().Resource(seldon.SeldonDeploymentGVR).Namespace(w.namespace).Get(context.Background(), "bad-input", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "no bad input created a service")
	_, err = w.client.GetApplication(context.Background(), "bad-input")
	assert.ErrorIs(t, err, registry.ErrNotFound)
}

func TestStepDryRunWritesNothing(t *testing.T) {
	w := newWorld(t)
	modelDir := filepath.Join(t.TempDir(), "mlruns", "0", "abc", "artifacts", "model")
	require.NoError(t, os.CopyFS(modelDir, os.DirFS(filepath.Join(fixtures, "onnx-mlflow2"))))
	before := listFiles(t, modelDir)
	w.env(map[string]string{"FUSEML_MODEL": "file://" + modelDir, "FUSEML_APP_NAME": "dry"})
	results := t.TempDir()
	code, stdout, stderr := w.run("--dry-run", "--output", "json", "--results-dir", results)
	require.Equal(t, 0, code, stderr)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc), stdout)
	for _, k := range []string{"app", "predictor", "server", "protocol", "model_uri", "copies", "files", "prediction_url", "manifests"} {
		assert.Contains(t, doc, k)
	}
	assert.Equal(t, "dry", doc["app"])
	assert.Equal(t, "triton", doc["predictor"])
	assert.Equal(t, "TRITON_SERVER", doc["server"])
	assert.Equal(t, "file://"+modelDir+"/seldon/triton", doc["model_uri"])
	assert.Len(t, doc["manifests"], 3)
	assert.NotContains(t, stdout, w.minio.SecretKey)
	assert.NotContains(t, stdout, w.minio.AccessKey)
	assert.NotContains(t, stderr, w.minio.SecretKey)

	assert.Equal(t, before, listFiles(t, modelDir), "the model folder is unchanged")
	entries, err := os.ReadDir(results)
	require.NoError(t, err)
	assert.Empty(t, entries, "no result written")
	list, err := w.kube.Dynamic().Resource(seldon.SeldonDeploymentGVR).Namespace(w.namespace).List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, list.Items, "nothing applied to Kubernetes")
	apps, err := w.client.ListApplications(context.Background(), registry.ApplicationFilter{})
	require.NoError(t, err)
	assert.Empty(t, apps, "nothing registered")
}

func listFiles(t *testing.T, dir string) []string {
	var out []string
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return err
	}))
	return out
}

func TestVersionAndHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"seldon-core-predictor", "version"}, &stdout, &stderr))
	assert.NotEmpty(t, strings.TrimSpace(stdout.String()))
	stdout.Reset()
	require.NoError(t, Run(context.Background(), []string{"seldon-core-predictor", "--help"}, &stdout, &stderr))
	for _, f := range []string{"--model", "FUSEML_MODEL", "--predictor", "--app-name", "--dry-run", "--seldon-api", "--timeout", "--kubeconfig", "--registry-url", "FUSEML_SERVER_URL", "--registry-token", "--results-dir", "--replicas", "FUSEML_RESOURCES_LIMITS", "--force", "--output"} {
		assert.Contains(t, stdout.String(), f)
	}
}
