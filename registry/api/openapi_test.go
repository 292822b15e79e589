package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAPIMatchesTheRoutes reads the served document and checks it both ways
// against the handler: every documented operation reaches a handler (not the mux's
// 404 or 405) and answers one of its documented codes, and every served route is
// documented.
func TestOpenAPIMatchesTheRoutes(t *testing.T) {
	e := newEnv(t, options{})
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	raw := e.must("GET", "/openapi.json", readerToken, nil, http.StatusOK)
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."))

	// every $ref names a schema
	for _, m := range regexpRefs(string(raw)) {
		assert.Contains(t, doc.Components.Schemas, m, "dangling $ref")
	}

	var documented []string
	for path, item := range doc.Paths {
		for method, operation := range item {
			method = strings.ToUpper(method)
			documented = append(documented, method+" "+path)
			t.Run(method+" "+path, func(t *testing.T) {
				concrete := path
				for name, v := range map[string]string{"{id}": "x", "{sid}": "y", "{cid}": "z", "{name}": "n", "{url}": url.PathEscape("http://h:1/p")} {
					concrete = strings.ReplaceAll(concrete, name, v)
				}
				var body any
				if _, ok := operation["requestBody"]; ok {
					body = map[string]any{}
				}
				code, answer := e.call(method, concrete, adminToken, body)
				assert.NotEqual(t, "404 page not found\n", string(answer), "no handler for a documented route")
				assert.NotEqual(t, http.StatusMethodNotAllowed, code)
				responses := operation["responses"].(map[string]any)
				assert.Contains(t, responses, itoa(code), "answered %d, not documented: %s", code, answer)
			})
		}
	}
	var served []string
	for _, p := range e.h.Patterns() {
		served = append(served, strings.TrimSuffix(p, "{$}")) // exact-match marker, not part of the path
	}
	sort.Strings(documented)
	sort.Strings(served)
	assert.Equal(t, served, documented)
}

func regexpRefs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, `"#/components/schemas/`)[1:] {
		out = append(out, part[:strings.Index(part, `"`)])
	}
	return out
}
