package convert

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
	"github.com/openmodelops/fuseml-seldon/mlflow"
)

// faultStores returns a store on a fresh MinIO bucket and a store on the same bucket
// through a fault proxy, whose answers time out after responseTimeout.
func faultStores(t *testing.T, responseTimeout time.Duration) (direct, faulty mlflow.Store, proxy *testserver.FaultProxy) {
	t.Helper()
	cfg, srv := minioConfig(t)
	bucket := srv.NewBucket(t)
	d, err := mlflow.NewS3Store(cfg, bucket)
	if err != nil {
		t.Fatal(err)
	}
	proxy = testserver.StartFaultProxy(t, srv.Endpoint, testserver.FaultProxyOptions{StallFor: 10 * time.Second})
	cfg.Endpoint = proxy.URL
	cfg.ResponseTimeout = responseTimeout
	f, err := mlflow.NewS3Store(cfg, bucket)
	if err != nil {
		t.Fatal(err)
	}
	return d, f, proxy
}

// isCopy tells S3 CopyObject requests (a PUT naming a source) from the others.
func isCopy(r *http.Request) bool {
	return r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != ""
}

// TestApplyS3TransientFaults: with the first attempt of every S3 request failing in each
// way S3 clients retry (a dropped connection, an answer lost after the server acted, 500,
// 503, SlowDown, a stall past the answer timeout), the conversion still completes with
// exactly the planned layout.
func TestApplyS3TransientFaults(t *testing.T) {
	faults := []testserver.Fault{
		testserver.Drop, testserver.DropAfter, testserver.InternalError,
		testserver.Unavailable, testserver.SlowDown, testserver.Stall,
	}
	fx, mlmodel := fixtureByName(t, "tensorflow-keras-savedmodel")
	dir := fixtureDir(fx.name)
	total := atomic.Int64{}
	for _, fault := range faults {
		t.Run(fault.String(), func(t *testing.T) {
			t.Parallel()
			direct, faulty, proxy := faultStores(t, time.Second)
			putModel(t, direct, fx, mlmodel, 64<<10)
			p := planFor(t, direct, dir, mlflow.Triton, V1)

			proxy.SetRule(testserver.Once(fault))
			res, err := Apply(context.Background(), faulty, p, Options{})
			if err != nil {
				t.Fatalf("with every first attempt failing (%s): %v; want the retries to get through", fault, err)
			}
			checkLayout(t, direct, p)
			injected := proxy.Injected()[fault]
			if res.Copied != len(p.Copies) || injected < len(p.Copies)+1 {
				t.Errorf("copied %d of %d with %d faults injected; want every copy done, each after a fault", res.Copied, len(p.Copies), injected)
			}
			total.Add(int64(injected))
			t.Logf("%s: %d faults injected over %d requests; %d copies done", fault, injected, proxy.Requests(), res.Copied)
		})
	}
	t.Cleanup(func() { t.Logf("transient S3 faults: %d injected, every conversion complete", total.Load()) })
}

// TestApplyS3Outage: an S3 that keeps failing (past the client's retries), or answers
// with an error no client retries, fails the conversion with an error naming the object
// and S3's answer, leaves no conversion manifest, and the next run on a healthy S3
// completes the exact layout.
func TestApplyS3Outage(t *testing.T) {
	cases := []struct {
		fault testserver.Fault
		want  string // in the error
	}{
		{testserver.Unavailable, "S3 answered ServiceUnavailable (HTTP 503)"},
		{testserver.SlowDown, "S3 answered SlowDown (HTTP 503)"},
		{testserver.Drop, "connection reset"},
		{testserver.AccessDenied, "S3 answered AccessDenied (HTTP 403)"},
	}
	fx, mlmodel := fixtureByName(t, "tensorflow-keras-savedmodel")
	dir := fixtureDir(fx.name)
	for _, c := range cases {
		t.Run(c.fault.String(), func(t *testing.T) {
			t.Parallel()
			direct, faulty, proxy := faultStores(t, 0)
			putModel(t, direct, fx, mlmodel, 64<<10)
			p := planFor(t, direct, dir, mlflow.Triton, V1)

			// Two copies get through, then every copy and write fails.
			var copies atomic.Int64
			proxy.SetRule(func(_ int64, r *http.Request) testserver.Fault {
				if r.Method != http.MethodPut {
					return testserver.Pass
				}
				if isCopy(r) && copies.Add(1) <= 2 {
					return testserver.Pass
				}
				return c.fault
			})
			began := time.Now()
			_, err := Apply(context.Background(), faulty, p, Options{Workers: 1})
			took := time.Since(began)
			if err == nil {
				t.Fatal("the conversion succeeded against a failing S3")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) || !strings.Contains(msg, "copying s3://") {
				t.Errorf("error %q; want it to name the copy and S3's answer (%s)", msg, c.want)
			}
			if _, serr := direct.Stat(context.Background(), p.ManifestKey()); !errors.Is(serr, mlflow.ErrNotFound) {
				t.Errorf("manifest after the failed conversion: %v; want none", serr)
			}
			t.Logf("%s: failed after %s and %d faults: %v", c.fault, took.Round(time.Millisecond), proxy.InjectedTotal(), err)

			proxy.SetRule(nil)
			res, err := Apply(context.Background(), faulty, planFor(t, direct, dir, mlflow.Triton, V1), Options{})
			if err != nil {
				t.Fatalf("rerun on a healthy S3: %v", err)
			}
			checkLayout(t, direct, p)
			if res.Skipped < 2 {
				t.Errorf("rerun %+v; want the two finished copies skipped", res)
			}
		})
	}
}
