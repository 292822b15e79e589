package testserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFaultProxy checks each fault against a plain upstream: what the client sees and
// whether the upstream was reached.
func TestFaultProxy(t *testing.T) {
	var hits atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "hello from "+r.Host)
	}))
	defer up.Close()
	var faults []Fault
	p := StartFaultProxy(t, up.URL, FaultProxyOptions{
		StallFor: 200 * time.Millisecond,
		OnFault:  func(_ int64, f Fault, _ *http.Request) { faults = append(faults, f) },
	})
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func() (*http.Response, string, error) {
		resp, err := client.Get(p.URL + "/x?y=1")
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b), nil
	}

	resp, body, err := get()
	if err != nil || resp.StatusCode != 200 || body != "hello from "+p.Addr {
		t.Fatalf("pass: %v %v %q; want 200 and the client's Host kept", resp, err, body)
	}

	cases := []struct {
		fault   Fault
		status  int    // 0: the connection is cut
		code    string // in the S3 error document
		reaches bool   // the upstream sees the request
	}{
		{Drop, 0, "", false},
		{DropAfter, 0, "", true},
		{Stall, 0, "", false},
		{InternalError, 500, "<Code>InternalError</Code>", false},
		{Unavailable, 503, "<Code>ServiceUnavailable</Code>", false},
		{SlowDown, 503, "<Code>SlowDown</Code>", false},
		{AccessDenied, 403, "<Code>AccessDenied</Code>", false},
	}
	for _, c := range cases {
		p.SetRule(Always(c.fault, nil))
		before := hits.Load()
		resp, body, err := get()
		if c.status == 0 {
			if err == nil {
				t.Errorf("%s: answered %d; want the connection cut", c.fault, resp.StatusCode)
			}
		} else if err != nil || resp.StatusCode != c.status || !strings.Contains(body, c.code) {
			t.Errorf("%s: %v %v %q; want %d with %s", c.fault, resp, err, body, c.status, c.code)
		}
		if reached := hits.Load() > before; reached != c.reaches {
			t.Errorf("%s: upstream reached %t; want %t", c.fault, reached, c.reaches)
		}
	}
	if got := p.Injected(); got[Drop] != 1 || got[SlowDown] != 1 || p.InjectedTotal() != len(cases) {
		t.Errorf("injected %v; want one of each", got)
	}
	if len(faults) != len(cases) {
		t.Errorf("OnFault saw %v; want %d faults", faults, len(cases))
	}

	// Once: the first attempt of each request fails, the second passes.
	p.SetRule(Once(Unavailable))
	if resp, _, _ := get(); resp == nil || resp.StatusCode != 503 {
		t.Errorf("Once, first attempt: %v; want 503", resp)
	}
	if resp, _, _ := get(); resp == nil || resp.StatusCode != 200 {
		t.Errorf("Once, second attempt: %v; want 200", resp)
	}

	// Down refuses connections on the same address; Up answers there again.
	p.SetRule(nil)
	p.Down()
	if _, _, err := get(); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("down: %v; want connection refused", err)
	}
	if err := p.Up(); err != nil {
		t.Fatal(err)
	}
	if resp, _, err := get(); err != nil || resp.StatusCode != 200 {
		t.Errorf("up again: %v %v; want 200", resp, err)
	}
	if p.Requests() < int64(len(cases))+4 {
		t.Errorf("counted %d requests", p.Requests())
	}
}

// TestFaultProxyCounter: proxies sharing a Counter number the requests of a whole run.
func TestFaultProxyCounter(t *testing.T) {
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer up.Close()
	var c Counter
	var seen []int64
	rule := func(n int64, _ *http.Request) Fault { seen = append(seen, n); return Pass }
	a := StartFaultProxy(t, up.URL, FaultProxyOptions{Counter: &c, TLS: true})
	b := StartFaultProxy(t, up.URL, FaultProxyOptions{Counter: &c, TLS: true})
	a.SetRule(rule)
	b.SetRule(rule)
	client := up.Client() // trusts no proxy certificate: skip verification as clients of a test proxy do
	client.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify = true
	for _, u := range []string{a.URL, b.URL, a.URL} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if c.Load() != 3 || len(seen) != 3 || seen[2] != 3 || a.Requests() != 2 {
		t.Errorf("counter %d, seen %v, a saw %d; want 3, [1 2 3], 2", c.Load(), seen, a.Requests())
	}
}
