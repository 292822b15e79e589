package testserver

import (
	"os"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

var (
	kubeTestSeldonDeployments = schema.GroupVersionResource{Group: "machinelearning.seldon.io", Version: "v1", Resource: "seldondeployments"}
	kubeTestModels            = schema.GroupVersionResource{Group: "mlops.seldon.io", Version: "v1alpha1", Resource: "models"}
	kubeTestGateways          = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1beta1", Resource: "gateways"}
	kubeTestTasks             = schema.GroupVersionResource{Group: "tekton.dev", Version: "v1", Resource: "tasks"}
)

// kubeStrict is how the step creates objects: a field the schema does not know is an error.
var kubeStrict = metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}

// kubeTestObject parses a YAML manifest into an object.
func kubeTestObject(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
		t.Fatalf("parsing the test manifest: %v", err)
	}
	return obj
}

// kubeWantUnknownField checks that err is the API server's rejection of field.
func kubeWantUnknownField(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the API server accepted the unknown field %s", field)
	}
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), `unknown field "`+field+`"`) {
		t.Fatalf("error = %v, want a BadRequest naming the unknown field %q", err, field)
	}
}

const kubeTestSeldonDeployment = `
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: iris
  labels:
    fuseml/app-name: iris
spec:
  name: iris
  predictors:
  - name: default
    replicas: 1
    graph:
      name: classifier
      implementation: SKLEARN_SERVER
      modelUri: s3://mlflow-artifacts/1/abc/artifacts/model/sklearn
      envSecretRefName: iris-init-container-secret
`

// TestKubeSeldon creates Seldon objects as the step will, and plays the operator, over
// the CRDs that SeldonCRDFiles gives and over the project's small ones.
func TestKubeSeldon(t *testing.T) {
	kube := StartKube(t)
	sets := []struct {
		name  string
		files []string
	}{
		{"SeldonCRDFiles", SeldonCRDFiles(t)},
		{"small", kubeSmallSeldonCRDFiles(kubeMustRepoRoot(t))},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			kube.InstallCRDs(t, set.files...)
			t.Run("SeldonDeployment", func(t *testing.T) { testKubeSeldonDeployment(t, kube) })
			t.Run("Model", func(t *testing.T) { testKubeSeldonModel(t, kube) })
		})
	}
}

func testKubeSeldonDeployment(t *testing.T, kube *Kube) {
	ns := kube.NewNamespace(t)
	ctx := t.Context()
	sdeps := kube.Dynamic().Resource(kubeTestSeldonDeployments).Namespace(ns)

	t.Run("unknown field", func(t *testing.T) {
		bad := kubeTestObject(t, kubeTestSeldonDeployment)
		bad.SetName("misspelt")
		graph := bad.Object["spec"].(map[string]any)["predictors"].([]any)[0].(map[string]any)["graph"].(map[string]any)
		graph["modelURI"] = graph["modelUri"] // a typo the schema must catch
		_, err := sdeps.Create(ctx, bad, kubeStrict)
		kubeWantUnknownField(t, err, "spec.predictors[0].graph.modelURI")
	})

	created, err := sdeps.Create(ctx, kubeTestObject(t, kubeTestSeldonDeployment), kubeStrict)
	if err != nil {
		t.Fatalf("creating a valid SeldonDeployment: %v", err)
	}
	var impl string
	if preds, _, _ := unstructured.NestedSlice(created.Object, "spec", "predictors"); len(preds) == 1 {
		impl, _, _ = unstructured.NestedString(preds[0].(map[string]any), "graph", "implementation")
	}
	if impl != "SKLEARN_SERVER" {
		t.Errorf("stored graph implementation = %q, want SKLEARN_SERVER", impl)
	}

	// Play the Seldon operator: report the deployment available, through the status
	// subresource, as the step will find it.
	const url = "http://iris.seldon.example.com/seldon/" + "NS/iris/api/v1.0/predictions"
	status := map[string]any{
		"state":   "Available",
		"address": map[string]any{"url": url},
		"deploymentStatus": map[string]any{
			"iris-default-0-classifier": map[string]any{"replicas": int64(1), "availableReplicas": int64(1)},
		},
	}
	created.Object["status"] = status
	if _, err := sdeps.UpdateStatus(ctx, created, metav1.UpdateOptions{FieldValidation: metav1.FieldValidationStrict}); err != nil {
		t.Fatalf("writing the status: %v", err)
	}
	got, err := sdeps.Get(ctx, "iris", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if state, _, _ := unstructured.NestedString(got.Object, "status", "state"); state != "Available" {
		t.Errorf("status.state = %q, want Available", state)
	}
	if gotURL, _, _ := unstructured.NestedString(got.Object, "status", "address", "url"); gotURL != url {
		t.Errorf("status.address.url = %q, want %q", gotURL, url)
	}

	t.Run("unknown status field", func(t *testing.T) {
		got := got.DeepCopy()
		got.Object["status"].(map[string]any)["stat"] = "Available"
		_, err := sdeps.UpdateStatus(ctx, got, metav1.UpdateOptions{FieldValidation: metav1.FieldValidationStrict})
		kubeWantUnknownField(t, err, "status.stat")
	})

	t.Run("status ignored on the main resource", func(t *testing.T) {
		got := got.DeepCopy()
		got.Object["status"].(map[string]any)["state"] = "Failed"
		updated, err := sdeps.Update(ctx, got, metav1.UpdateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if state, _, _ := unstructured.NestedString(updated.Object, "status", "state"); state != "Available" {
			t.Errorf("status.state after an update of the main resource = %q, want Available (status only through /status)", state)
		}
	})
}

const kubeTestModel = `
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata:
  name: iris
spec:
  storageUri: s3://mlflow-artifacts/1/abc/artifacts/model
  requirements:
  - sklearn
  memory: 100Ki
`

func testKubeSeldonModel(t *testing.T, kube *Kube) {
	ns := kube.NewNamespace(t)
	ctx := t.Context()
	models := kube.Dynamic().Resource(kubeTestModels).Namespace(ns)

	bad := kubeTestObject(t, kubeTestModel)
	unstructured.SetNestedField(bad.Object, "sklearn", "spec", "runtime")
	_, err := models.Create(ctx, bad, kubeStrict)
	kubeWantUnknownField(t, err, "spec.runtime")

	created, err := models.Create(ctx, kubeTestObject(t, kubeTestModel), kubeStrict)
	if err != nil {
		t.Fatalf("creating a valid Model: %v", err)
	}
	created.Object["status"] = map[string]any{
		"replicas":          int64(1),
		"availableReplicas": int64(1),
		"conditions": []any{
			map[string]any{"type": "ModelReady", "status": "True", "reason": "ModelAvailable"},
			map[string]any{"type": "Ready", "status": "True"},
		},
	}
	if _, err := models.UpdateStatus(ctx, created, metav1.UpdateOptions{FieldValidation: metav1.FieldValidationStrict}); err != nil {
		t.Fatalf("writing the status: %v", err)
	}
	got, err := models.Get(ctx, "iris", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !kubeConditionTrue(got, "ModelReady") {
		t.Errorf("status.conditions = %v, want ModelReady True", got.Object["status"])
	}
}

func TestKubeIstioGateway(t *testing.T) {
	kube := StartKube(t)
	kube.InstallCRDs(t, IstioCRDFiles(t)...)
	ns := kube.NewNamespace(t)
	gw := kubeTestObject(t, `
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: seldon-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - hosts:
    - "*.seldon.example.com"
    port:
      name: http
      number: 80
      protocol: HTTP
`)
	gateways := kube.Dynamic().Resource(kubeTestGateways).Namespace(ns)
	if _, err := gateways.Create(t.Context(), gw, kubeStrict); err != nil {
		t.Fatalf("creating the gateway: %v", err)
	}
	// Read it back through each version Istio serves.
	for _, version := range []string{"v1alpha3", "v1beta1", "v1"} {
		gvr := kubeTestGateways.GroupVersion().WithResource("gateways")
		gvr.Version = version
		got, err := kube.Dynamic().Resource(gvr).Namespace(ns).Get(t.Context(), "seldon-gateway", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("reading the gateway as %s: %v", version, err)
		}
		servers, _, _ := unstructured.NestedSlice(got.Object, "spec", "servers")
		var hosts []string
		if len(servers) == 1 {
			hosts, _, _ = unstructured.NestedStringSlice(servers[0].(map[string]any), "hosts")
		}
		if len(hosts) != 1 || hosts[0] != "*.seldon.example.com" {
			t.Errorf("%s: spec.servers = %v, want one server with the host *.seldon.example.com", version, servers)
		}
	}

	bad := kubeTestObject(t, `
apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: misspelt
spec:
  server:
  - hosts: ["*"]
`)
	_, err := gateways.Create(t.Context(), bad, kubeStrict)
	kubeWantUnknownField(t, err, "spec.server")
}

func TestKubeTektonTask(t *testing.T) {
	kube := StartKube(t)
	kube.InstallCRDs(t, TektonCRDFiles(t)...)
	ns := kube.NewNamespace(t)
	tasks := kube.Dynamic().Resource(kubeTestTasks).Namespace(ns)
	task := kubeTestObject(t, `
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: seldon-core-predictor
spec:
  params:
  - name: model
    type: string
  results:
  - name: prediction-url
  steps:
  - name: run
    image: ghcr.io/openmodelops/seldon-core-predictor:dev
    env:
    - name: FUSEML_MODEL
      value: $(params.model)
`)
	if _, err := tasks.Create(t.Context(), task, kubeStrict); err != nil {
		t.Fatalf("creating a Tekton Task: %v", err)
	}
	bad := task.DeepCopy()
	bad.SetName("misspelt")
	bad.SetResourceVersion("")
	unstructured.SetNestedField(bad.Object, "x", "spec", "resultz")
	_, err := tasks.Create(t.Context(), bad, kubeStrict)
	kubeWantUnknownField(t, err, "spec.resultz")
}

func TestKubeKubeconfigAndVersion(t *testing.T) {
	kube := StartKube(t)
	cfg, err := clientcmd.BuildConfigFromFlags("", kube.Kubeconfig())
	if err != nil {
		t.Fatalf("loading the kubeconfig: %v", err)
	}
	if cfg.Host != kube.Host() || cfg.BearerToken == "" || len(cfg.CAData) == 0 {
		t.Errorf("kubeconfig: host %q (want %q), token set %v, CA set %v", cfg.Host, kube.Host(), cfg.BearerToken != "", len(cfg.CAData) > 0)
	}
	// kubectl and client-go parse the server's version: it must be a release's.
	v, err := kube.Clientset().Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.34.4" || v.Major != "1" || v.Minor != "34" {
		t.Errorf("server version = %q (major %q, minor %q), want v1.34.4 (1, 34): build kube-apiserver with make tools", v.GitVersion, v.Major, v.Minor)
	}
	// The admin is in system:masters, so RBAC lets it do anything.
	review, err := kube.Clientset().AuthorizationV1().SelfSubjectAccessReviews().Create(t.Context(), &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "*", Group: "*", Resource: "*"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !review.Status.Allowed {
		t.Errorf("the admin token may not do everything: %+v", review.Status)
	}
}

func TestKubeNewNamespace(t *testing.T) {
	kube := StartKube(t)
	var first string
	t.Run("first", func(t *testing.T) {
		first = kube.NewNamespace(t)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"a": "b"}}
		if _, err := kube.Clientset().CoreV1().ConfigMaps(first).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	if !strings.HasPrefix(first, "testkubenewnamespace-first-") {
		t.Errorf("namespace %q, want a name made from the test's", first)
	}
	second := kube.NewNamespace(t)
	if second == first {
		t.Errorf("two tests got the same namespace %s", first)
	}
	// The first test's cleanup deleted its namespace, contents and all.
	ctx := t.Context()
	if _, err := kube.Clientset().CoreV1().Namespaces().Get(ctx, first, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s after its test: err = %v, want NotFound", first, err)
	}
	if _, err := kube.Clientset().CoreV1().ConfigMaps(first).Get(ctx, "settings", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("config map in the deleted namespace: err = %v, want NotFound", err)
	}
}

func TestKubeShortSkips(t *testing.T) {
	if !testing.Short() {
		t.Skip("checks the -short behaviour")
	}
	var skipped bool
	t.Run("start", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		StartKube(t)
	})
	if !skipped {
		t.Error("StartKube did not skip under -short")
	}
}

func TestKubeNamespacePrefix(t *testing.T) {
	for _, tc := range []struct{ test, want string }{
		{"TestStep/sklearn_model", "teststep-sklearn-model-"},
		{"TestX/#00", "testx-00-"},
		{"___", "test-"},
		{"TestAVeryLongNameThatGoesOnAndOnAndOnBeyondForty/sub", "testaverylongnamethatgoesonandonandonbey-"},
	} {
		if got := kubeNamespacePrefix(tc.test); got != tc.want {
			t.Errorf("kubeNamespacePrefix(%q) = %q, want %q", tc.test, got, tc.want)
		}
	}
}

func TestKubeReadYAMLDocuments(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/crds.yaml"
	if err := os.WriteFile(file, []byte("# comment\n---\na: 1\n---\n---\nb: [x]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	docs, err := kubeReadYAMLDocuments(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(kubeStrings(docs), " "); got != `{"a":1} {"b":["x"]}` {
		t.Errorf("documents = %s", got)
	}
}

func kubeStrings(docs [][]byte) []string {
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = string(d)
	}
	return out
}

func TestKubeCRDFiles(t *testing.T) {
	files := append(SeldonCRDFiles(t), IstioCRDFiles(t)...)
	files = append(files, kubeSmallSeldonCRDFiles(kubeMustRepoRoot(t))...)
	if len(files) != 5 {
		t.Errorf("CRD files: %v, want 2 + 1 + 2", files)
	}
	for _, f := range files {
		docs, err := kubeReadYAMLDocuments(f)
		if err != nil || len(docs) != 1 {
			t.Errorf("%s: %d documents, err %v; want one CRD", f, len(docs), err)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(Main(m)) }
