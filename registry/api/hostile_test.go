package api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestHostileRequests sends requests a careless or hostile client might: each is
// answered with a 4xx, and the store is exactly as before.
func TestHostileRequests(t *testing.T) {
	e := newEnv(t, options{})
	e.must("POST", "/extensions", adminToken, `{"id":"mlflow","product":"mlflow","version":"1.2.3","services":[{"id":"s3","resource":"s3","auth_required":true,"endpoints":[{"url":"http://store:9000","type":"internal"}],"credentials":[{"id":"c1","scope":"global","configuration":{"AWS_SECRET_ACCESS_KEY":"s3cr3t-example-value-0001"}}]}]}`, http.StatusCreated)
	e.must("POST", "/applications", editorToken, app("iris", "wf", "http://iris"), http.StatusCreated)
	snapshot := func() string {
		var b strings.Builder
		for _, p := range []string{"/extensions?reveal=true", "/applications"} {
			_, data := e.call("GET", p, adminToken, nil)
			b.Write(data)
		}
		return b.String()
	}
	before := snapshot()

	deep := strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000)
	tests := []struct {
		name, method, path, token, body string
	}{
		{"huge body", "POST", "/extensions", adminToken, `{"id":"big","description":"` + strings.Repeat("x", MaxBodyBytes+10) + `"}`},
		{"deep JSON", "POST", "/extensions", adminToken, `{"id":"deep","configuration":` + deep + `}`},
		{"deep JSON application", "POST", "/applications", editorToken, `{"name":"deep","k8s_resources":` + strings.Repeat("[", 50000) + strings.Repeat("]", 50000) + `}`},
		{"wrong type", "POST", "/extensions", adminToken, `{"id":["mlflow"],"product":"x"}`},
		{"wrong type nested", "POST", "/applications", editorToken, `{"name":"a","k8s_resources":"all"}`},
		{"SQL in id", "POST", "/extensions", adminToken, `{"id":"x'; DROP TABLE extensions; --","product":"p"}`},
		{"SQL in path", "GET", "/extensions/mlflow'%20OR%20'1'='1", adminToken, ""},
		{"SQL in application name", "POST", "/applications", editorToken, `{"name":"a' OR 1=1 --","type":"predictor","workflow":"wf","k8s_namespace":"ns"}`},
		{"SQL in filter", "DELETE", "/applications/iris'%20OR%20'1'='1", editorToken, ""},
		{"traversal in id", "POST", "/extensions", adminToken, `{"id":"../../etc/passwd","product":"p"}`},
		{"traversal in path", "DELETE", "/extensions/..%2F..%2Fmlflow", adminToken, ""},
		{"traversal in endpoint URL", "POST", "/extensions/mlflow/services/s3/endpoints", adminToken, `{"url":"file:///../../etc/passwd","type":"internal"}`},
		{"credentials in endpoint URL", "POST", "/extensions/mlflow/services/s3/endpoints", adminToken, `{"url":"http://user:pass@store:9000","type":"internal"}`},
		{"unknown field", "POST", "/extensions", adminToken, `{"id":"x","product":"p","servcies":[]}`},
		{"null body", "POST", "/applications", editorToken, `null`},
		{"not JSON", "POST", "/extensions/resolve", editorToken, `<xml/>`},
		{"bad scope", "POST", "/extensions/mlflow/services/s3/credentials", adminToken, `{"id":"c2","scope":"everyone"}`},
		{"no token", "POST", "/extensions", "", `{"id":"x","product":"p"}`},
		{"reader writes", "DELETE", "/extensions/mlflow", readerToken, ""},
		{"editor reveals", "GET", "/extensions/mlflow/services/s3/credentials/c1?reveal=true", editorToken, ""},
		{"other workflow takes the application", "POST", "/applications", editorToken, `{"name":"iris","type":"predictor","url":"http://evil","workflow":"other","k8s_namespace":"fuseml-workloads"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if tt.body != "" {
				body = tt.body
			}
			code, data := e.call(tt.method, tt.path, tt.token, body)
			if code < 400 || code >= 500 {
				t.Fatalf("%s %s: %d %s, want a 4xx", tt.method, tt.path, code, truncate(data))
			}
			if bytes.Contains(data, []byte("s3cr3t-example-value-0001")) {
				t.Fatalf("the answer holds a credential: %s", truncate(data))
			}
		})
	}
	if after := snapshot(); after != before {
		t.Fatalf("the store changed:\nbefore %s\nafter  %s", before, after)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}
