package app

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

var workflowExamples = filepath.Join("..", "..", "..", "workflows", "examples")

// TestWorkflowCompile compiles the shipped workflows against the real registry holding
// FuseML's example extensions: golden output, credentials only in the Secret.
func TestWorkflowCompile(t *testing.T) {
	url := server(t)
	seed(t, url)
	for _, name := range []string{"seldon-predictor", "mlflow-e2e"} {
		t.Run(name, func(t *testing.T) {
			r := must(t, url, editorToken, "workflow", "compile", "-f", filepath.Join(workflowExamples, name+".yaml"),
				"--namespace", "fuseml-workloads", "--project", "alpha", "--user", "ada")
			golden(t, "workflow-compile-"+name+".yaml", r.out)

			docs := strings.Split(r.out, "\n---\n")
			require.Len(t, docs, 2, "a Secret and a Pipeline")
			var secret struct {
				Kind string            `json:"kind"`
				Data map[string]string `json:"data"`
			}
			require.NoError(t, yaml.Unmarshal([]byte(docs[0]), &secret))
			require.Equal(t, "Secret", secret.Kind)
			var values []string
			for _, v := range secret.Data {
				b, err := base64.StdEncoding.DecodeString(v)
				require.NoError(t, err)
				values = append(values, string(b))
			}
			assert.ElementsMatch(t, []string{"fuseml-minio-access-key", "fuseml-minio-secret-key-example", "replace-with-an-editor-token-of-the-registry"}, values)
			assert.Contains(t, docs[1], "kind: Pipeline")
			for _, v := range values {
				assert.NotContains(t, docs[1], v, "the Pipeline holds a credential")
				assert.NotContains(t, docs[1], base64.StdEncoding.EncodeToString([]byte(v)))
			}
			assert.Contains(t, docs[1], "secretKeyRef")
		})
	}

	t.Run("json", func(t *testing.T) {
		r := must(t, url, editorToken, "workflow", "compile", "-f", filepath.Join(workflowExamples, "seldon-predictor.yaml"), "-o", "json")
		assert.Contains(t, r.out, `"kind": "List"`)
	})
	t.Run("stdin", func(t *testing.T) {
		r := run(t, strings.NewReader("name: hello\nsteps:\n  - name: say\n    image: busybox\n"), "--url", url, "--token", editorToken, "workflow", "compile", "-f", "-")
		require.Equal(t, 0, r.code, r.String())
		assert.Contains(t, r.out, "kind: Pipeline")
		assert.NotContains(t, r.out, "kind: Secret", "no credentials, no Secret")
	})
	t.Run("unsatisfied requirement", func(t *testing.T) {
		wf := "name: needs-gpu\nsteps:\n  - name: train\n    image: trainer\n    extensions:\n      - name: gpu-cluster\n        product: kubeflow\n"
		r := run(t, strings.NewReader(wf), "--url", url, "--token", editorToken, "workflow", "compile", "-f", "-")
		assert.NotEqual(t, 0, r.code)
		assert.Contains(t, r.err, "gpu-cluster")
		assert.Empty(t, r.out, "nothing printed when the compilation fails")
	})
	t.Run("invalid workflow", func(t *testing.T) {
		r := run(t, strings.NewReader("name: bad\nsteps:\n  - name: a\n    image: x\n    inputs:\n      - name: m\n        value: \"{{ steps.nope.outputs.x }}\"\n"),
			"--url", url, "--token", editorToken, "workflow", "compile", "-f", "-")
		assert.NotEqual(t, 0, r.code)
		assert.Contains(t, r.err, `<stdin>:7: steps[0].inputs[0].value`)
		assert.Empty(t, r.out)
	})
	t.Run("bad format", func(t *testing.T) {
		r := as(t, url, editorToken, "workflow", "compile", "-f", filepath.Join(workflowExamples, "seldon-predictor.yaml"), "-o", "table")
		assert.Equal(t, 2, r.code, r.String())
	})
}
