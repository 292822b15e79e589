package app

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/step/seldon"
)

// TestRegistryFaults runs the step against a registry behind a fault proxy: one that
// answers 503 for a while, one that is down and comes back (both waited for), and one
// that stays down past --registry-wait (exit 5 with a clear message; a rerun registers).
func TestRegistryFaults(t *testing.T) {
	w := newWorld(t)
	w.gateway()
	proxy := testserver.StartFaultProxy(t, w.registry, testserver.FaultProxyOptions{})
	isRegistration := func(r *http.Request) bool {
		return r.Method == http.MethodPost && r.URL.Path == "/applications"
	}

	// setup uploads a model for app and sets the step's environment, the registry
	// reached through the proxy.
	setup := func(t *testing.T, app string) (prefix, results string) {
		prefix = "mlflow/1/" + app + "/artifacts/model"
		w.upload("sklearn-mlflow2", prefix)
		w.env(map[string]string{
			"FUSEML_MODEL": "s3://" + w.bucket + "/" + prefix, "FUSEML_APP_NAME": app,
			"FUSEML_SERVER_URL": proxy.URL,
		})
		w.playSeldon("SeldonDeployment", app, "")
		return prefix, t.TempDir()
	}
	registered := func(t *testing.T, app, prefix string) {
		t.Helper()
		rec, err := w.client.GetApplication(context.Background(), app)
		require.NoError(t, err, "the application is registered")
		assert.Equal(t, "s3://"+w.bucket+"/"+prefix, rec.Model)
		require.NotNil(t, rec.Status)
		assert.Equal(t, "ready", rec.Status.State)
		assert.Len(t, rec.History, 1, "one registration in the history, however many attempts")
	}

	t.Run("503 for a while", func(t *testing.T) {
		prefix, results := setup(t, "reg-503")
		var failed atomic.Int64
		proxy.SetRule(func(_ int64, r *http.Request) testserver.Fault {
			if isRegistration(r) && failed.Add(1) <= 4 {
				return testserver.Unavailable
			}
			return testserver.Pass
		})
		t.Cleanup(func() { proxy.SetRule(nil) })
		code, _, stderr := w.run("--results-dir", results, "--timeout", "1m", "--registry-wait", "1m")
		require.Equal(t, 0, code, "stderr:\n%s", stderr)
		assert.Equal(t, int64(5), failed.Load(), "four 503 answers, then the registration")
		registered(t, "reg-503", prefix)
	})

	t.Run("down and back", func(t *testing.T) {
		prefix, results := setup(t, "reg-down")
		// The registry goes down when the step first tries to register, and comes back
		// 1.5 s later.
		var once atomic.Bool
		back := make(chan error, 1)
		proxy.SetRule(func(_ int64, r *http.Request) testserver.Fault {
			if isRegistration(r) && once.CompareAndSwap(false, true) {
				go func() {
					proxy.Down()
					time.Sleep(1500 * time.Millisecond)
					back <- proxy.Up()
				}()
				return testserver.Drop
			}
			return testserver.Pass
		})
		t.Cleanup(func() { proxy.SetRule(nil) })
		code, _, stderr := w.run("--results-dir", results, "--timeout", "1m", "--registry-wait", "1m")
		require.NoError(t, <-back)
		require.Equal(t, 0, code, "stderr:\n%s", stderr)
		registered(t, "reg-down", prefix)
	})

	t.Run("down past the budget", func(t *testing.T) {
		prefix, results := setup(t, "reg-gone")
		proxy.Down()
		code, _, stderr := w.run("--results-dir", results, "--timeout", "1m", "--registry-wait", "2s")
		require.NoError(t, proxy.Up())
		require.Equal(t, ExitRegistry, code, "stderr:\n%s", stderr)
		for _, want := range []string{"registering application reg-gone", "POST /applications", "connection refused", "gave up after"} {
			assert.Contains(t, stderr, want)
		}
		assert.NotContains(t, stderr, w.token)
		_, err := w.client.GetApplication(context.Background(), "reg-gone")
		require.Error(t, err, "nothing registered while the registry was down")

		// The service was deployed; a rerun, with the registry back, registers it and
		// changes nothing in Kubernetes.
		sd, err := w.kube.Dynamic().Resource(seldon.SeldonDeploymentGVR).Namespace(w.namespace).Get(context.Background(), "reg-gone", metav1.GetOptions{})
		require.NoError(t, err)
		code, _, stderr = w.run("--results-dir", results, "--timeout", "1m")
		require.Equal(t, 0, code, "rerun, stderr:\n%s", stderr)
		registered(t, "reg-gone", prefix)
		again, err := w.kube.Dynamic().Resource(seldon.SeldonDeploymentGVR).Namespace(w.namespace).Get(context.Background(), "reg-gone", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, sd.GetResourceVersion(), again.GetResourceVersion(), "the rerun left the SeldonDeployment as it was")
		url, err := os.ReadFile(filepath.Join(results, "prediction-url"))
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(url), "http://reg-gone."), "result %q", url)
	})

	t.Run("a bad --registry-wait", func(t *testing.T) {
		code, _, stderr := w.run("--registry-wait", "0s")
		assert.Equal(t, ExitInput, code)
		assert.Contains(t, stderr, "--registry-wait 0s: expected a positive duration")
	})
}
