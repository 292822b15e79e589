package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// compileCase is a workflow compiled for a consumer against the example registry.
type compileCase struct {
	name    string
	file    string
	project string
	user    string
}

var compileCases = []compileCase{
	{name: "mlflow-e2e", file: "examples/mlflow-e2e.yaml", project: "workspace", user: "alice"},
	{name: "seldon-predictor", file: "examples/seldon-predictor.yaml", project: "workspace", user: "alice"},
	{name: "full", file: "testdata/full.yaml", project: "alpha", user: "bob"},
}

func compileFile(t *testing.T, tc compileCase) *Compiled {
	t.Helper()
	wf, err := ParseFile(tc.file)
	require.NoError(t, err)
	c, err := Compile(context.Background(), wf, Options{
		Namespace: "fuseml-workloads",
		Consumer:  Consumer{Project: tc.project, User: tc.user},
		Resolver:  exampleRegistry(),
	})
	require.NoError(t, err)
	return c
}

// golden compares got with testdata/golden/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./workflows -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), string(got), "compiled output differs from %s (refresh with -update)", path)
}

func TestCompileGolden(t *testing.T) {
	for _, tc := range compileCases {
		t.Run(tc.name, func(t *testing.T) {
			c := compileFile(t, tc)
			var y, j bytes.Buffer
			require.NoError(t, c.WriteYAML(&y))
			require.NoError(t, c.WriteJSON(&j))
			golden(t, tc.name+".yaml", y.Bytes())
			golden(t, tc.name+".json", j.Bytes())
		})
	}
}

// decodeYAMLStream reads back what WriteYAML wrote: the objects kubectl would apply.
func decodeYAMLStream(t *testing.T, data []byte) (*pipelinev1.Pipeline, *corev1.Secret) {
	t.Helper()
	var p *pipelinev1.Pipeline
	var s *corev1.Secret
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var meta struct{ APIVersion, Kind string }
		require.NoError(t, yaml.Unmarshal([]byte(doc), &meta))
		switch meta.APIVersion + "/" + meta.Kind {
		case "tekton.dev/v1/Pipeline":
			p = &pipelinev1.Pipeline{}
			require.NoError(t, yaml.UnmarshalStrict([]byte(doc), p))
		case "v1/Secret":
			s = &corev1.Secret{}
			require.NoError(t, yaml.UnmarshalStrict([]byte(doc), s))
		default:
			t.Fatalf("unexpected object %s %s in the output", meta.APIVersion, meta.Kind)
		}
	}
	require.NotNil(t, p, "no Pipeline in the output")
	return p, s
}

func TestCompiledPassesTektonValidation(t *testing.T) {
	ctx := context.Background()
	for _, tc := range compileCases {
		t.Run(tc.name, func(t *testing.T) {
			c := compileFile(t, tc)
			require.NoError(t, c.Validate(ctx))

			// What kubectl would apply, read back, passes too: the YAML loses nothing.
			var buf bytes.Buffer
			require.NoError(t, c.WriteYAML(&buf))
			p, _ := decodeYAMLStream(t, buf.Bytes())
			p.SetDefaults(ctx)
			if fe := p.Validate(ctx); fe != nil {
				t.Fatalf("the printed Pipeline fails Tekton validation: %v", fe)
			}
			for _, task := range p.Spec.Tasks {
				require.NotNil(t, task.TaskSpec, "task %s", task.Name)
				ts := task.TaskSpec.TaskSpec
				if fe := ts.Validate(ctx); fe != nil {
					t.Errorf("task %s: embedded spec fails Tekton validation: %v", task.Name, fe)
				}
			}
		})
	}
}

func TestCompiledPipelineHoldsNoCredential(t *testing.T) {
	for _, tc := range compileCases {
		t.Run(tc.name, func(t *testing.T) {
			c := compileFile(t, tc)
			require.NotNil(t, c.Secret, "every example needs the S3 credentials")

			// No credential value, nor its base64, anywhere in the Pipeline.
			pj, err := json.Marshal(c.Pipeline)
			require.NoError(t, err)
			py, err := yaml.Marshal(c.Pipeline)
			require.NoError(t, err)
			for _, secret := range exampleSecrets {
				for _, form := range []string{secret, b64(secret)} {
					assert.NotContains(t, string(pj), form)
					assert.NotContains(t, string(py), form)
				}
			}

			// Every secretKeyRef names a key of the Secret, and every key is referred to.
			refs := map[string]bool{}
			for _, task := range c.Pipeline.Spec.Tasks {
				for _, step := range task.TaskSpec.Steps {
					for _, e := range step.Env {
						if e.ValueFrom == nil {
							continue
						}
						ref := e.ValueFrom.SecretKeyRef
						require.NotNil(t, ref, "env %s of %s", e.Name, task.Name)
						assert.Equal(t, c.Secret.Name, ref.Name)
						assert.Contains(t, c.Secret.Data, ref.Key, "env %s of %s", e.Name, task.Name)
						refs[ref.Key] = true
					}
				}
			}
			for k := range c.Secret.Data {
				assert.True(t, refs[k], "secret key %s is not used by any step", k)
			}

			// The Secret holds every credential the workflow's consumer may use.
			var values []string
			for _, v := range c.Secret.Data {
				values = append(values, string(v))
			}
			// Every example and full.yaml require the S3 store and the registry.
			assert.ElementsMatch(t, []string{exampleAccessKey, exampleSecretKey, exampleToken}, values)
			assert.Equal(t, "workspace-credentials", "workspace"+secretSuffix) // naming scheme sanity
			assert.Equal(t, tc.name+"-credentials", c.Secret.Name)
			assert.Equal(t, tc.name, c.Secret.Labels[LabelWorkflow])
			assert.Equal(t, tc.project, c.Secret.Annotations[AnnotationProject])
		})
	}
}

func b64(s string) string {
	data, _ := json.Marshal([]byte(s)) // encoding/json writes []byte as base64
	return strings.Trim(string(data), `"`)
}

// envOf returns the env of task name's only step.
func envOf(t *testing.T, p *pipelinev1.Pipeline, name string) map[string]corev1.EnvVar {
	t.Helper()
	for _, task := range p.Spec.Tasks {
		if task.Name == name {
			out := map[string]corev1.EnvVar{}
			for _, e := range task.TaskSpec.Steps[0].Env {
				_, dup := out[e.Name]
				assert.False(t, dup, "env %s set twice in %s", e.Name, name)
				out[e.Name] = e
			}
			return out
		}
	}
	t.Fatalf("no task %s", name)
	return nil
}

func TestCompileFollowsFuseMLContract(t *testing.T) {
	c := compileFile(t, compileCases[0])
	p := c.Pipeline

	env := envOf(t, p, "predictor")
	assert.Equal(t, "$(params.model)", env["FUSEML_MODEL"].Value)
	assert.Equal(t, "$(params.predictor)", env["FUSEML_PREDICTOR"].Value)
	assert.Equal(t, "$(params.app_name)", env["FUSEML_APP_NAME"].Value)
	assert.Equal(t, "mlflow-e2e", env[EnvWorkflowName].Value)
	assert.Equal(t, "$(context.taskRun.namespace)", env[EnvWorkflowNamespace].Value)
	assert.Equal(t, "prediction-url", env[EnvTaskResult].Value)
	assert.Equal(t, "http://mlflow-minio.mlflow:9000", env["MLFLOW_S3_ENDPOINT_URL"].Value)
	require.NotNil(t, env["AWS_SECRET_ACCESS_KEY"].ValueFrom)
	assert.Equal(t, "mlflow-e2e-credentials", env["AWS_SECRET_ACCESS_KEY"].ValueFrom.SecretKeyRef.Name)

	tasks := map[string]pipelinev1.PipelineTask{}
	for _, task := range p.Spec.Tasks {
		tasks[task.Name] = task
		assert.Equal(t, []string{"run"}, task.TaskSpec.Steps[0].Command, task.Name)
	}
	assert.Empty(t, tasks["builder"].RunAfter)
	assert.Equal(t, []string{"builder"}, tasks["trainer"].RunAfter, "the trainer runs the image the builder made")
	assert.Equal(t, []string{"trainer"}, tasks["predictor"].RunAfter)
	assert.Equal(t, "$(params.IMAGE)", tasks["trainer"].TaskSpec.Steps[0].Image)
	assert.Equal(t, "/project", tasks["trainer"].TaskSpec.Steps[0].WorkingDir)
	assert.Equal(t, "/project", tasks["trainer"].TaskSpec.Workspaces[0].MountPath)

	params := map[string]string{}
	for _, prm := range tasks["predictor"].Params {
		params[prm.Name] = prm.Value.StringVal
	}
	assert.Equal(t, map[string]string{
		"model":     "$(tasks.trainer.results.mlflow-model-url)",
		"predictor": "$(params.predictor)",
		"app_name":  "$(params.codeset-name)-$(params.codeset-project)",
	}, params)

	require.Len(t, p.Spec.Results, 1)
	assert.Equal(t, "$(tasks.predictor.results.prediction-url)", p.Spec.Results[0].Value.StringVal)
}

func TestCompileStepEnvWinsOverExtensionEnv(t *testing.T) {
	wf, err := Parse([]byte(`
name: override
steps:
  - name: s
    image: busybox
    extensions:
      - name: store
        service_resource: s3
    env:
      - name: MLFLOW_S3_ENDPOINT_URL
        value: http://elsewhere:9000
      - name: AWS_ACCESS_KEY_ID
        value: not-a-secret
`), "override.yaml")
	require.NoError(t, err)
	c, err := Compile(context.Background(), wf, Options{Resolver: exampleRegistry()})
	require.NoError(t, err)
	env := envOf(t, c.Pipeline, "s")
	assert.Equal(t, "http://elsewhere:9000", env["MLFLOW_S3_ENDPOINT_URL"].Value)
	assert.Equal(t, "not-a-secret", env["AWS_ACCESS_KEY_ID"].Value)
	require.NotNil(t, c.Secret)
	assert.Len(t, c.Secret.Data, 1, "only the secret access key is still used")
	assert.Equal(t, DefaultNamespace, c.Pipeline.Namespace)
}

func TestCompileWithoutCredentialsHasNoSecret(t *testing.T) {
	wf, err := Parse([]byte(`
name: plain
steps:
  - name: s
    image: busybox
    extensions:
      - name: seldon
        service_resource: seldon-core-api
`), "plain.yaml")
	require.NoError(t, err)
	c, err := Compile(context.Background(), wf, Options{Resolver: exampleRegistry()})
	require.NoError(t, err)
	assert.Nil(t, c.Secret)
	var buf bytes.Buffer
	require.NoError(t, c.WriteYAML(&buf))
	assert.NotContains(t, buf.String(), "---")
}

func TestWriteFormats(t *testing.T) {
	c := compileFile(t, compileCases[1])
	for format, golden := range map[string]string{"yaml": "seldon-predictor.yaml", "": "seldon-predictor.yaml", "json": "seldon-predictor.json"} {
		var buf bytes.Buffer
		require.NoError(t, c.Write(&buf, format), format)
		want, err := os.ReadFile(filepath.Join("testdata", "golden", golden))
		require.NoError(t, err)
		assert.Equal(t, string(want), buf.String(), "format %q", format)
	}
	err := c.Write(&bytes.Buffer{}, "toml")
	assert.ErrorIs(t, err, ErrUnknownFormat)
	assert.ErrorContains(t, err, `"toml"`)
}
