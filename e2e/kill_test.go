package e2e_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/openmodelops/fuseml-seldon/e2e/flow"
	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// killSeed chooses the kill points; a failure message names it, and FUSEML_KILL_SEED
// replays another choice.
const killSeed = 20261122

// minKills is how many runs must actually be killed; maxKills caps the points tried.
const (
	minKills = 20
	maxKills = 48
)

// killWorld is what the kill test shares: the servers, the registry, a bucket.
type killWorld struct {
	minio    *testserver.MinIO
	kube     *testserver.Kube
	registry *flow.Registry
	bucket   string
	reader   *client.Client // the registry, as its admin
	dir      string
	model    string // the sample model folder
}

// killRun is one run of the step through its own fault proxies, which number every
// request the step makes to S3, Kubernetes and the registry.
type killRun struct {
	name, namespace, app, prefix string
	counter                      testserver.Counter
	s3, kube, registry           *testserver.FaultProxy
	kubeconfig, results          string
	// killedAt describes the request the last kill came at.
	killedAt string
}

// TestKilledStep kills the step (SIGKILL) at many points of a run, each the n-th
// request it makes to S3, the Kubernetes API or the registry (dropped before it reaches
// the server, or after the server acted and before the step heard back), then reruns
// it: the converted layout, the Kubernetes objects, the application record and the
// result are exactly those of an uninterrupted run, and nothing is duplicated.
func TestKilledStep(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: starts real servers")
	}
	require.NoError(t, buildErr, "building the binaries")
	w := &killWorld{minio: testserver.StartMinIO(t), kube: testserver.StartKube(t), dir: t.TempDir()}
	w.kube.InstallCRDs(t, append(testserver.SeldonCRDFiles(t), testserver.IstioCRDFiles(t)...)...)
	w.bucket = w.minio.NewBucket(t)
	root, err := testserver.RepoRoot()
	require.NoError(t, err)
	w.model = filepath.Join(root, "e2e", "testdata", "models", "tensorflow-mlflow1")
	w.registry, err = flow.StartRegistry(t.Context(), filepath.Join(bin, flow.RegistryBinary), filepath.Join(w.dir, "registry"), w.kube.Kubeconfig(), false)
	require.NoError(t, err)
	t.Cleanup(func() { w.registry.Process.Stop(10 * time.Second) })
	w.reader, err = client.New(client.Config{URL: w.registry.URL, Token: w.registry.AdminToken})
	require.NoError(t, err)

	// The uninterrupted run: what every interrupted one must end as, and how many
	// requests a run makes.
	base := w.newRun(t, "base")
	code, log := w.runStep(t, base, 0, testserver.Pass)
	require.Equal(t, 0, code, "the uninterrupted run:\n%s", log)
	want := w.snapshot(t, base)
	total := base.counter.Load()
	t.Logf("an uninterrupted run makes %d requests (S3 %d, Kubernetes %d, registry %d)",
		total, base.s3.Requests(), base.kube.Requests(), base.registry.Requests())

	// The kill points: every request, once dropped before the server acts and once
	// after it acted; a seeded sample of them when a run makes many requests.
	seed := uint64(killSeed)
	if s := os.Getenv("FUSEML_KILL_SEED"); s != "" {
		_, err := fmt.Sscan(s, &seed)
		require.NoError(t, err, "FUSEML_KILL_SEED")
	}
	type point struct {
		n     int64
		fault testserver.Fault
	}
	var points []point
	for n := int64(1); n <= total; n++ {
		points = append(points, point{n, testserver.Drop}, point{n, testserver.DropAfter})
	}
	if len(points) > maxKills {
		rng := rand.New(rand.NewPCG(seed, seed))
		rng.Shuffle(len(points), func(i, j int) { points[i], points[j] = points[j], points[i] })
		points = points[:maxKills]
		sort.Slice(points, func(i, j int) bool { return points[i].n < points[j].n })
	}
	require.GreaterOrEqual(t, len(points), minKills, "a run makes too few requests to kill it at %d points", minKills)

	var (
		mu     sync.Mutex
		killed = map[string]int{} // by the kind of request the kill came at
		kills  int
	)
	t.Run("points", func(t *testing.T) {
		for i, pt := range points {
			n, fault := pt.n, pt.fault
			t.Run(fmt.Sprintf("%02d-request-%d-%s", i, n, fault), func(t *testing.T) {
				t.Parallel()
				r := w.newRun(t, fmt.Sprintf("k%02d", i))
				code, log := w.runStep(t, r, n, fault)
				at := r.killedAt
				if code == 0 {
					t.Logf("request %d: the run ended before it (seed %d)", n, seed)
				} else {
					require.Equal(t, -1, code, "the step was killed at request %d (%s), not failed:\n%s", n, at, log)
					t.Logf("killed at request %d: %s", n, at)
					mu.Lock()
					kills++
					killed[requestKind(at)]++
					mu.Unlock()
				}
				// The rerun, with nothing injected, completes the run.
				code, log = w.runStep(t, r, 0, testserver.Pass)
				require.Equal(t, 0, code, "the rerun after a kill at request %d (%s, seed %d):\n%s", n, at, seed, log)
				got := w.snapshot(t, r)
				assert.Equal(t, want, got, "after a kill at request %d (%s) and a rerun, the state differs from an uninterrupted run's (seed %d)", n, at, seed)
			})
		}
	})
	var kinds []string
	for k, n := range killed {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	t.Logf("killed step: %d runs killed with SIGKILL at %d points over the %d requests of a run (seed %d): %s; each rerun compared with the uninterrupted run",
		kills, len(points), total, seed, strings.Join(kinds, ", "))
	assert.GreaterOrEqual(t, kills, minKills)
	for _, k := range []string{"S3 copy", "Kubernetes apply", "registration"} {
		assert.Positive(t, killed[k], "no kill came at a %s", k)
	}
}

// newRun makes a run's own namespace, model copy and fault proxies.
func (w *killWorld) newRun(t *testing.T, name string) *killRun {
	t.Helper()
	r := &killRun{name: name, namespace: w.kube.NewNamespace(t), app: "kill-" + name}
	r.prefix = "1/" + r.app + "/artifacts/model"
	s3 := flow.NewS3(w.minio.Endpoint, w.minio.AccessKey, w.minio.SecretKey)
	require.NoError(t, s3.Upload(t.Context(), w.model, w.bucket, r.prefix))
	r.s3 = testserver.StartFaultProxy(t, w.minio.Endpoint, testserver.FaultProxyOptions{Counter: &r.counter})
	r.kube = testserver.StartFaultProxy(t, w.kube.Host(), testserver.FaultProxyOptions{Counter: &r.counter, TLS: true})
	r.registry = testserver.StartFaultProxy(t, w.registry.URL, testserver.FaultProxyOptions{Counter: &r.counter})
	r.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["proxy"] = &clientcmdapi.Cluster{Server: r.kube.URL, InsecureSkipTLSVerify: true}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{Token: w.kube.RESTConfig().BearerToken}
	cfg.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "admin", Namespace: r.namespace}
	cfg.CurrentContext = "proxy"
	require.NoError(t, clientcmd.WriteToFile(*cfg, r.kubeconfig))
	r.results = t.TempDir()
	return r
}

// runStep runs the step binary; with kill > 0, the step is killed with SIGKILL at the
// kill-th request, which fault drops before or after the server acts. It returns the
// exit code (-1 when killed) and the log.
func (w *killWorld) runStep(t *testing.T, r *killRun, kill int64, fault testserver.Fault) (int, string) {
	t.Helper()
	started := make(chan *flow.Process, 1)
	var (
		once sync.Once
		proc *flow.Process
	)
	rule := testserver.Rule(nil)
	if kill > 0 {
		base := r.counter.Load()
		rule = func(n int64, req *http.Request) testserver.Fault {
			if n-base != kill {
				return testserver.Pass
			}
			r.killedAt = req.Method + " " + req.URL.Path + copyMark(req)
			return fault
		}
	}
	onFault := func() {
		once.Do(func() { proc = <-started })
		_ = proc.Cmd.Process.Signal(syscall.SIGKILL)
		<-proc.Done() // dead before the client hears anything
	}
	for _, p := range []*testserver.FaultProxy{r.s3, r.kube, r.registry} {
		p.SetRule(rule)
		p.SetOnFault(func(int64, testserver.Fault, *http.Request) { onFault() })
	}
	op := (&flow.Flow{Kube: w.kube.Dynamic()}).PlaySeldon(r.namespace, "SeldonDeployment", r.app)
	defer op.Stop()

	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"FUSEML_MODEL=s3://" + w.bucket + "/" + r.prefix, "FUSEML_APP_NAME=" + r.app,
		"FUSEML_PREDICTOR=tensorflow",
		"FUSEML_ENV_WORKFLOW_NAME=" + workflow, "FUSEML_ENV_WORKFLOW_NAMESPACE=" + r.namespace,
		"MLFLOW_S3_ENDPOINT_URL=" + r.s3.URL, "AWS_ACCESS_KEY_ID=" + w.minio.AccessKey, "AWS_SECRET_ACCESS_KEY=" + w.minio.SecretKey,
		"FUSEML_SERVER_URL=" + r.registry.URL, "FUSEML_TOKEN=" + w.registry.StepToken,
		"KUBECONFIG=" + r.kubeconfig, "TASK_RESULT=prediction-url",
	}
	logPath := filepath.Join(w.dir, fmt.Sprintf("step-%s-%d.log", r.name, time.Now().UnixNano()))
	p, err := flow.Spawn("seldon-core-predictor", filepath.Join(bin, flow.StepBinary),
		[]string{"run", "--results-dir", r.results, "--timeout", "1m", "--registry-wait", "30s", "--seldon-domain", domain},
		env, logPath, false, nil)
	require.NoError(t, err)
	started <- p
	select {
	case <-p.Done():
	case <-time.After(2 * time.Minute):
		p.Stop(time.Second)
		t.Fatalf("the step did not finish in 2 minutes")
	}
	code, _ := p.Wait()
	for _, px := range []*testserver.FaultProxy{r.s3, r.kube, r.registry} {
		px.SetRule(nil)
	}
	out, _ := os.ReadFile(logPath)
	return code, string(out)
}

// copyMark tells an S3 CopyObject from other PUTs in a request's description.
func copyMark(r *http.Request) string {
	if r.Header.Get("X-Amz-Copy-Source") != "" {
		return " (copy)"
	}
	return ""
}

// requestKind groups kill points for the report.
func requestKind(at string) string {
	switch {
	case strings.HasSuffix(at, "(copy)"):
		return "S3 copy"
	case strings.HasPrefix(at, "POST /applications"):
		return "registration"
	case strings.HasPrefix(at, "PATCH /api") || strings.HasPrefix(at, "PATCH /apis"):
		return "Kubernetes apply"
	case strings.Contains(at, "/api/") || strings.Contains(at, "/apis/"):
		return "Kubernetes read"
	}
	return "S3 other"
}

// snapshot is the state a run leaves, with its own names replaced by placeholders so
// that runs compare: the objects under the model folder (key, size, and content digest
// or, for the manifest, content), the Kubernetes objects of the namespace's kinds the
// step writes (all of them, to catch duplicates), the application record without its
// times, and the result.
func (w *killWorld) snapshot(t *testing.T, r *killRun) map[string]any {
	t.Helper()
	ctx := t.Context()
	norm := func(s string) string {
		s = strings.ReplaceAll(s, r.prefix, "PREFIX")
		s = strings.ReplaceAll(s, r.namespace, "NS")
		return strings.ReplaceAll(s, r.app, "APP")
	}
	normJSON := func(v any) any {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		var out any
		require.NoError(t, json.Unmarshal([]byte(norm(string(b))), &out))
		return out
	}

	objects := map[string]any{}
	mc := w.minio.Client(t)
	for o := range mc.ListObjects(ctx, w.bucket, minio.ListObjectsOptions{Prefix: r.prefix + "/", Recursive: true}) {
		require.NoError(t, o.Err)
		key := norm(o.Key)
		if strings.HasSuffix(o.Key, ".conversion.json") {
			obj, err := mc.GetObject(ctx, w.bucket, o.Key, minio.GetObjectOptions{})
			require.NoError(t, err)
			var m any
			require.NoError(t, json.NewDecoder(obj).Decode(&m))
			obj.Close()
			objects[key] = normJSON(m)
			continue
		}
		objects[key] = fmt.Sprintf("%d bytes, etag %s", o.Size, o.ETag)
	}

	kube := map[string]any{}
	gvrs := map[string]schema.GroupVersionResource{
		"Secret": {Version: "v1", Resource: "secrets"}, "ServiceAccount": flow.ServiceAccountGVR,
		"SeldonDeployment": flow.SeldonDeploymentGVR,
	}
	uids := map[string]string{}
	for kind, gvr := range gvrs {
		list, err := w.kube.Dynamic().Resource(gvr).Namespace(r.namespace).List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		for _, u := range list.Items {
			if kind == "ServiceAccount" && u.GetName() == "default" {
				continue // the namespace's own
			}
			uids[string(u.GetUID())] = kind + "/" + norm(u.GetName())
			obj := u.DeepCopy().Object
			meta := obj["metadata"].(map[string]any)
			for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "managedFields"} {
				delete(meta, f)
			}
			delete(obj, "status")
			if kind == "Secret" {
				// Compare the values without showing them: each run has its own S3 proxy.
				data, _ := obj["data"].(map[string]any)
				for k, v := range data {
					raw, err := base64.StdEncoding.DecodeString(v.(string))
					require.NoError(t, err)
					sum := sha256.Sum256([]byte(strings.ReplaceAll(string(raw), r.s3.URL, "S3-ENDPOINT")))
					data[k] = "sha256:" + hex.EncodeToString(sum[:8])
				}
			}
			var managers []string
			for _, m := range u.GetManagedFields() {
				if m.Subresource == "" {
					managers = append(managers, m.Manager+" "+string(m.Operation))
				}
			}
			sort.Strings(managers)
			meta["managers"] = managers
			kube[kind+"/"+norm(u.GetName())] = normJSON(obj)
		}
	}
	// Owner references name objects by UID, which each run makes anew: name them by kind
	// and name instead.
	for _, v := range kube {
		meta := v.(map[string]any)["metadata"].(map[string]any)
		refs, _ := meta["ownerReferences"].([]any)
		for _, ref := range refs {
			m := ref.(map[string]any)
			m["uid"] = uids[m["uid"].(string)]
		}
	}

	rec, err := w.reader.GetApplication(ctx, r.app)
	require.NoError(t, err, "the application record")
	if rec.Status != nil {
		rec.Status.Updated = time.Time{}
	}
	for i := range rec.History {
		rec.History[i].Time = time.Time{}
	}
	result, err := os.ReadFile(filepath.Join(r.results, "prediction-url"))
	require.NoError(t, err, "the result")
	return map[string]any{"s3": objects, "kubernetes": kube, "application": normJSON(rec), "result": norm(string(result))}
}
