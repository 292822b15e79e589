package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// bodyRoutes are the requests that carry a JSON body, against objects that exist.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/extensions"},
	{"PUT", "/extensions/fz"},
	{"POST", "/extensions/fz/services"},
	{"PUT", "/extensions/fz/services/s3"},
	{"POST", "/extensions/fz/services/s3/endpoints"},
	{"PUT", "/extensions/fz/services/s3/endpoints/http%3A%2F%2Fstore%3A9000"},
	{"POST", "/extensions/fz/services/s3/credentials"},
	{"PUT", "/extensions/fz/services/s3/credentials/c1"},
	{"POST", "/extensions/resolve"},
	{"POST", "/applications"},
}

// FuzzBodies sends arbitrary bytes as the body of every request that takes one. The
// handler must answer each with a status below 500 (a bad body is the client's fault),
// never panic, and keep serving.
func FuzzBodies(f *testing.F) {
	seeds := []string{
		`{"id":"x1","product":"mlflow","version":"1.0.0","services":[{"id":"s","resource":"s3","endpoints":[{"url":"http://a","type":"internal"}]}]}`,
		`{"id":"s3","resource":"s3","category":"model-store","auth_required":true}`,
		`{"url":"http://store:9000","type":"external","configuration":{"K":"V"}}`,
		`{"id":"c1","scope":"project","projects":["p"],"configuration":{"AWS_SECRET_ACCESS_KEY":"x"}}`,
		`{"consumer":{"project":"p"},"requirements":[{"name":"r","product":"mlflow","version":">=1.0"}]}`,
		`{"name":"app","type":"predictor","url":"http://app","workflow":"wf","k8s_namespace":"ns","k8s_resources":[{"kind":"Secret","name":"x"}]}`,
		`{"id":"x","unknown_field":1}`, `[]`, `null`, `{"id":1}`, `{"id":"../../etc"}`, `{}{}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	e := newEnv(f, options{})
	setup := func(t *testing.T) {
		for _, r := range []struct{ method, path, body string }{
			{"POST", "/extensions", `{"id":"fz","product":"mlflow","version":"1.2.3","services":[{"id":"s3","resource":"s3","auth_required":true,"endpoints":[{"url":"http://store:9000","type":"internal"}],"credentials":[{"id":"c1","scope":"global","configuration":{"AWS_SECRET_ACCESS_KEY":"s"}}]}]}`},
		} {
			req := httptest.NewRequest(r.method, r.path, bytes.NewReader([]byte(r.body)))
			req.Header.Set("Authorization", "Bearer "+adminToken)
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, req)
			if w.Code >= 300 && w.Code != http.StatusConflict {
				t.Fatalf("setup %s %s: %d %s", r.method, r.path, w.Code, w.Body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		setup(t)
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		req := httptest.NewRequest(r.method, r.path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+adminToken)
		w := httptest.NewRecorder()
		e.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s with body %q: %d %s", r.method, r.path, body, w.Code, w.Body)
		}
	})
}

// TestBodiesRefused: an unknown field, a second JSON value or trailing bytes are refused
// with 400 naming the body, and nothing is stored.
func TestBodiesRefused(t *testing.T) {
	e := newEnv(t, options{})
	for name, body := range map[string]string{
		"unknown field": `{"id":"x1","product":"mlflow","prodcut":"typo"}`,
		"two values":    `{"id":"x2","product":"mlflow"}{"id":"x3"}`,
		"trailing":      `{"id":"x4","product":"mlflow"} trailing`,
		"wrong type":    `{"id":5,"product":"mlflow"}`,
	} {
		t.Run(name, func(t *testing.T) {
			code, data := e.call("POST", "/extensions", adminToken, body)
			if code != http.StatusBadRequest || !bytes.Contains(data, []byte(`"body"`)) {
				t.Fatalf("got %d %s, want 400 naming the body", code, data)
			}
		})
	}
	code, data := e.call("GET", "/extensions", adminToken, nil)
	if code != http.StatusOK || string(bytes.TrimSpace(data)) != "[]" {
		t.Fatalf("the store changed: %d %s", code, data)
	}
}
