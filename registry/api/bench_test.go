package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/seal"
	"github.com/openmodelops/fuseml-seldon/registry/store"
)

const (
	benchExtensions   = 10000
	benchApplications = 50
	benchWorkers      = 8
	benchDuration     = 2 * time.Second
)

// BenchmarkRegistryHTTP measures GET /applications and POST /extensions/resolve over
// loopback against the real handler on SQLite with 10,000 extensions, and a bare
// net/http handler returning the same bytes as the baseline, in the same run. It
// prints requests/s, p99 and the ratio ours/baseline (a report, not an assertion).
func BenchmarkRegistryHTTP(b *testing.B) {
	ctx := context.Background()
	c, err := seal.New(bytes.Repeat([]byte{5}, 32))
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, store.Config{Path: filepath.Join(b.TempDir(), "bench.db"), Cipher: c})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	setup := time.Now()
	zones := []string{"eu-1", "eu-2", "us-1", "us-2", "ap-1"}
	for i := range benchExtensions {
		e := registry.Extension{
			ID: fmt.Sprintf("ext-%05d", i), Product: fmt.Sprintf("product-%03d", i%100),
			Version: fmt.Sprintf("1.%d.%d", i%7, i%13), Zone: zones[i%len(zones)],
			Configuration: map[string]string{"PRODUCT_HOME": "/opt/p"},
			Services: []registry.Service{{
				ID: "api", Resource: fmt.Sprintf("resource-%02d", i%20), Category: "model-store", AuthRequired: i%2 == 0,
				Endpoints: []registry.Endpoint{
					{URL: fmt.Sprintf("http://ext-%05d.svc:8080", i), Type: registry.EndpointInternal, Configuration: map[string]string{"ENDPOINT": "internal"}},
					{URL: fmt.Sprintf("https://ext-%05d.example.com", i), Type: registry.EndpointExternal, Configuration: map[string]string{"ENDPOINT": "external"}},
				},
				Credentials: []registry.Credentials{
					{ID: "global", Scope: registry.ScopeGlobal, Configuration: map[string]string{"TOKEN": "global-secret"}},
					{ID: "team", Scope: registry.ScopeProject, Projects: []string{"team-a"}, Configuration: map[string]string{"TOKEN": "team-secret"}},
				},
			}},
		}
		if _, err := st.CreateExtension(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	for i := range benchApplications {
		app := registry.Application{Name: fmt.Sprintf("app-%02d", i), Type: "predictor", Workflow: "wf", K8sNamespace: "fuseml-workloads",
			URL:          fmt.Sprintf("http://app-%02d.seldon.example.com/seldon/fuseml-workloads/app-%02d/api/v1.0/predictions", i, i),
			K8sResources: []registry.KubernetesResource{{Kind: "SeldonDeployment", Name: fmt.Sprintf("app-%02d", i)}}}
		if _, _, err := st.RegisterApplication(ctx, app.Name, func(old *registry.Application) (registry.Application, error) {
			return registry.Register(old, app, false, time.Now())
		}); err != nil {
			b.Fatal(err)
		}
	}
	setupTime := time.Since(setup)

	tokens := NewTokens()
	if err := tokens.Add(editorToken, Principal{Name: "bench", Role: RoleEditor}); err != nil {
		b.Fatal(err)
	}
	ours := httptest.NewServer(New(Config{Store: st, Tokens: tokens}))
	defer ours.Close()

	resolveBody := []byte(`{"consumer": {"project": "team-a", "user": "u", "zone": "eu-1"},
		"requirements": [{"name": "store", "product": "product-042", "version": ">=1.2"}, {"name": "other", "product": "product-007", "service_resource": "resource-07"}]}`)
	scenarios := []struct {
		name, method, path string
		body               []byte
	}{
		{"GET /applications", "GET", "/applications", nil},
		{"POST /extensions/resolve", "POST", "/extensions/resolve", resolveBody},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchWorkers * 2}}

	b.ResetTimer()
	var rows []string
	for _, sc := range scenarios {
		// the baseline answers with exactly the bytes our handler answers
		want := fetch(b, client, ours.URL, sc.method, sc.path, sc.body)
		bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(want)
		}))
		got := fetch(b, client, bare.URL, sc.method, sc.path, sc.body)
		if !bytes.Equal(got, want) {
			b.Fatal("baseline bytes differ")
		}
		base := load(b, client, bare.URL, sc.method, sc.path, sc.body)
		bare.Close()
		our := load(b, client, ours.URL, sc.method, sc.path, sc.body)
		rows = append(rows,
			fmt.Sprintf("%-26s %-9s %10.0f %10s %8d", sc.name, "registry", our.rps, our.p99.Round(time.Microsecond), len(want)),
			fmt.Sprintf("%-26s %-9s %10.0f %10s %8d", sc.name, "baseline", base.rps, base.p99.Round(time.Microsecond), len(want)),
			fmt.Sprintf("%-26s %-9s %9.3fx %9.1fx", sc.name, "ratio", our.rps/base.rps, float64(our.p99)/float64(base.p99)),
		)
	}
	b.StopTimer()
	report := fmt.Sprintf("\nregistry HTTP benchmark: %d extensions, %d applications, SQLite; %d workers for %s per row over loopback (setup %s)\n%-26s %-9s %10s %10s %8s\n",
		benchExtensions, benchApplications, benchWorkers, benchDuration, setupTime.Round(time.Second), "route", "server", "req/s", "p99", "bytes")
	for _, r := range rows {
		report += r + "\n"
	}
	fmt.Fprint(os.Stdout, report)
}

func fetch(b *testing.B, c *http.Client, base, method, path string, body []byte) []byte {
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+editorToken)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("%s %s: %d %v %s", method, path, resp.StatusCode, err, data)
	}
	return data
}

type result struct {
	rps float64
	p99 time.Duration
}

// load sends requests from benchWorkers goroutines for benchDuration.
func load(b *testing.B, c *http.Client, base, method, path string, body []byte) result {
	var wg sync.WaitGroup
	var failures atomic.Int64
	lat := make([][]time.Duration, benchWorkers)
	deadline := time.Now().Add(benchDuration)
	start := time.Now()
	for w := range benchWorkers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(method, base+path, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+editorToken)
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					failures.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if failures.Load() > 0 {
		b.Fatalf("%s %s: %d failed requests", method, path, failures.Load())
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return result{rps: float64(len(all)) / elapsed.Seconds(), p99: all[len(all)*99/100]}
}
