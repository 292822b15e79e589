package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validBase is a small valid workflow; the invalid cases below change one thing in it.
// Line numbers in the expected errors count from the first line of each case's YAML.
const validBase = `name: wf
inputs:
  - name: source
    type: codeset
  - name: predictor
    default: auto
outputs:
  - name: url
steps:
  - name: train
    image: trainer:1
    inputs:
      - name: source
        codeset:
          name: "{{ inputs.source }}"
          path: /project
    outputs:
      - name: model
  - name: serve
    image: predictor:1
    inputs:
      - name: model
        value: "{{ steps.train.outputs.model }}"
      - name: predictor
        value: "{{ inputs.predictor }}"
    outputs:
      - name: url
    extensions:
      - name: store
        service_resource: s3
    env:
      - name: TRACKER
        value: "{{ extensions.store.url }}"
`

func TestValidBaseCompiles(t *testing.T) {
	wf, err := Parse([]byte(validBase), "wf.yaml")
	require.NoError(t, err)
	_, err = Compile(context.Background(), wf, Options{Resolver: exampleRegistry()})
	require.NoError(t, err)
}

func TestInvalidWorkflows(t *testing.T) {
	// replace swaps old for new in validBase, failing the test if old is not there.
	replace := func(t *testing.T, old, new string) string {
		t.Helper()
		require.Contains(t, validBase, old)
		return strings.Replace(validBase, old, new, 1)
	}
	cases := []struct {
		name string
		yaml func(t *testing.T) string
		// want are substrings of the error: "wf.yaml:LINE: FIELD: reason".
		want []string
	}{
		{
			name: "bad YAML",
			yaml: func(t *testing.T) string { return "name: wf\nsteps:\n  - name: [a\n" },
			want: []string{"wf.yaml: bad YAML: line 2: did not find expected ',' or ']'"},
		},
		{
			name: "empty file",
			yaml: func(t *testing.T) string { return "" },
			want: []string{"wf.yaml: bad YAML: the file is empty"},
		},
		{
			name: "not a mapping",
			yaml: func(t *testing.T) string { return "- a\n- b\n" },
			want: []string{"wf.yaml:1: must be a mapping, not a list"},
		},
		{
			name: "two documents",
			yaml: func(t *testing.T) string { return validBase + "---\nname: other\n" },
			want: []string{"wf.yaml:34: bad YAML: more than one document"},
		},
		{
			name: "unknown field",
			yaml: func(t *testing.T) string {
				return replace(t, "    image: trainer:1\n", "    image: trainer:1\n    command: [x]\n")
			},
			want: []string{"wf.yaml:12: steps[0].command: unknown field"},
		},
		{
			name: "wrong type",
			yaml: func(t *testing.T) string { return replace(t, "image: trainer:1", "image: [trainer]") },
			want: []string{"wf.yaml:11: steps[0].image: must be a string, not a list"},
		},
		{
			name: "repeated key",
			yaml: func(t *testing.T) string { return replace(t, "name: wf\n", "name: wf\nname: wf2\n") },
			want: []string{"wf.yaml:2: name: repeated key"},
		},
		{
			name: "missing name",
			yaml: func(t *testing.T) string { return replace(t, "name: wf\n", "description: no name\n") },
			want: []string{"wf.yaml:1: name: required"},
		},
		{
			name: "invalid workflow name",
			yaml: func(t *testing.T) string { return replace(t, "name: wf\n", "name: My_Workflow\n") },
			want: []string{"wf.yaml:1: name: \"My_Workflow\" is not a valid name"},
		},
		{
			name: "no steps",
			yaml: func(t *testing.T) string { return "name: wf\n" },
			want: []string{"wf.yaml:1: steps: a workflow needs at least one step"},
		},
		{
			name: "duplicate input",
			yaml: func(t *testing.T) string {
				return replace(t, "  - name: predictor\n    default: auto\n", "  - name: predictor\n    default: auto\n  - name: predictor\n")
			},
			want: []string{"wf.yaml:7: inputs[2].name: duplicate input \"predictor\""},
		},
		{
			name: "duplicate step",
			yaml: func(t *testing.T) string { return replace(t, "  - name: serve\n", "  - name: train\n") },
			want: []string{"wf.yaml:19: steps[1].name: duplicate step \"train\""},
		},
		{
			name: "duplicate step output",
			yaml: func(t *testing.T) string {
				return replace(t, "      - name: model\n  - name: serve", "      - name: model\n      - name: model\n  - name: serve")
			},
			want: []string{"wf.yaml:19: steps[0].outputs[1].name: duplicate output \"model\""},
		},
		{
			name: "duplicate extension",
			yaml: func(t *testing.T) string {
				return replace(t, "        service_resource: s3\n", "        service_resource: s3\n      - name: store\n        product: mlflow\n")
			},
			want: []string{"wf.yaml:31: steps[1].extensions[1].name: duplicate extension \"store\""},
		},
		{
			name: "duplicate env",
			yaml: func(t *testing.T) string { return validBase + "      - name: TRACKER\n        value: x\n" },
			want: []string{"wf.yaml:34: steps[1].env[1].name: duplicate env \"TRACKER\""},
		},
		{
			name: "unknown input",
			yaml: func(t *testing.T) string { return replace(t, "{{ inputs.predictor }}", "{{ inputs.engine }}") },
			want: []string{"wf.yaml:25: steps[1].inputs[1].value: {{ inputs.engine }}: unknown input \"engine\""},
		},
		{
			name: "unknown step",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ steps.train.outputs.model }}", "{{ steps.fit.outputs.model }}")
			},
			want: []string{"wf.yaml:23: steps[1].inputs[0].value: {{ steps.fit.outputs.model }}: unknown step \"fit\""},
		},
		{
			name: "unknown step output",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ steps.train.outputs.model }}", "{{ steps.train.outputs.weights }}")
			},
			want: []string{"wf.yaml:23: steps[1].inputs[0].value: {{ steps.train.outputs.weights }}: step \"train\" has no output \"weights\""},
		},
		{
			name: "output of a later step",
			yaml: func(t *testing.T) string {
				return replace(t, "    image: trainer:1\n", "    image: trainer:1\n    env:\n      - name: URL\n        value: \"{{ steps.serve.outputs.url }}\"\n")
			},
			want: []string{"wf.yaml:14: steps[0].env[0].value: {{ steps.serve.outputs.url }}: step \"serve\" runs after step \"train\""},
		},
		{
			name: "own output",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ steps.train.outputs.model }}", "{{ steps.serve.outputs.url }}")
			},
			want: []string{"wf.yaml:23: steps[1].inputs[0].value: {{ steps.serve.outputs.url }}: step \"serve\" cannot use its own output"},
		},
		{
			name: "extension not declared in the step",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ extensions.store.url }}", "{{ extensions.tracking.url }}")
			},
			want: []string{"wf.yaml:33: steps[1].env[0].value: {{ extensions.tracking.url }}: extension \"tracking\" is not declared in the extensions of step \"serve\""},
		},
		{
			name: "unknown extension field",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ extensions.store.url }}", "{{ extensions.store.password }}")
			},
			want: []string{"wf.yaml:33: steps[1].env[0].value: expression \"{{ extensions.store.password }}\": unknown extension field \"password\""},
		},
		{
			name: "unknown expression",
			yaml: func(t *testing.T) string { return replace(t, "{{ inputs.predictor }}", "{{ params.predictor }}") },
			want: []string{"wf.yaml:25: steps[1].inputs[1].value: expression \"{{ params.predictor }}\": unknown reference"},
		},
		{
			name: "unterminated expression",
			yaml: func(t *testing.T) string { return replace(t, "\"{{ inputs.predictor }}\"", "\"{{ inputs.predictor\"") },
			want: []string{"wf.yaml:25: steps[1].inputs[1].value: unterminated expression"},
		},
		{
			name: "codeset used as a value",
			yaml: func(t *testing.T) string { return replace(t, "{{ inputs.predictor }}", "{{ inputs.source }}") },
			want: []string{"wf.yaml:25: steps[1].inputs[1].value: {{ inputs.source }}: input \"source\" is a codeset"},
		},
		{
			name: "codeset name not a codeset input",
			yaml: func(t *testing.T) string {
				return replace(t, "name: \"{{ inputs.source }}\"", "name: \"{{ inputs.predictor }}\"")
			},
			want: []string{"wf.yaml:15: steps[0].inputs[0].codeset.name: input \"predictor\" is not a codeset"},
		},
		{
			name: "relative codeset path",
			yaml: func(t *testing.T) string { return replace(t, "path: /project", "path: project") },
			want: []string{"wf.yaml:16: steps[0].inputs[0].codeset.path: \"project\" must be an absolute path"},
		},
		{
			name: "input without value",
			yaml: func(t *testing.T) string { return replace(t, "        value: \"{{ inputs.predictor }}\"\n", "") },
			want: []string{"wf.yaml:24: steps[1].inputs[1]: input \"predictor\" needs a value or a codeset"},
		},
		{
			name: "workflow output nobody produces",
			yaml: func(t *testing.T) string {
				return replace(t, "outputs:\n  - name: url\n", "outputs:\n  - name: url\n  - name: accuracy\n")
			},
			want: []string{"wf.yaml:9: outputs[1].name: no step has an output named \"accuracy\""},
		},
		{
			name: "requirement selecting nothing",
			yaml: func(t *testing.T) string {
				return replace(t, "        service_resource: s3\n", "        zone: local\n")
			},
			want: []string{"wf.yaml:29: steps[1].extensions[0]: extension \"store\" selects nothing"},
		},
		{
			name: "bad quantity",
			yaml: func(t *testing.T) string { return validBase + "    resources:\n      limits:\n        memory: lots\n" },
			want: []string{"wf.yaml:36: steps[1].resources.limits.memory: \"lots\" is not a Kubernetes quantity"},
		},
		{
			name: "env set by the engine",
			yaml: func(t *testing.T) string { return replace(t, "- name: TRACKER", "- name: TASK_RESULT") },
			want: []string{"wf.yaml:32: steps[1].env[0].name: TASK_RESULT is set by the workflow engine"},
		},
		{
			name: "env set by an input",
			yaml: func(t *testing.T) string { return replace(t, "- name: TRACKER", "- name: FUSEML_MODEL") },
			want: []string{"wf.yaml:32: steps[1].env[0].name: FUSEML_MODEL is set by input \"model\""},
		},
		{
			name: "every problem is reported",
			yaml: func(t *testing.T) string {
				s := replace(t, "{{ inputs.predictor }}", "{{ inputs.engine }}")
				return strings.Replace(s, "{{ extensions.store.url }}", "{{ extensions.tracking.url }}", 1)
			},
			want: []string{"wf.yaml:25: steps[1].inputs[1].value", "wf.yaml:33: steps[1].env[0].value"},
		},
		// Problems found when the requirements are resolved.
		{
			name: "unsatisfied requirement",
			yaml: func(t *testing.T) string { return replace(t, "service_resource: s3", "service_resource: gcs") },
			want: []string{"wf.yaml:29: steps[1].extensions[0]: no registered extension satisfies requirement \"store\" (service_resource gcs) for project (none), user (none)"},
		},
		{
			name: "credentials that do not fit the consumer",
			yaml: func(t *testing.T) string {
				return replace(t, "service_resource: s3", "service_resource: team-s3")
			},
			want: []string{"wf.yaml:29: steps[1].extensions[0]: no registered extension satisfies requirement \"store\""},
		},
		{
			name: "unknown configuration entry",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ extensions.store.url }}", "{{ extensions.store.cfg.S3_BUCKET }}")
			},
			want: []string{"wf.yaml:33: steps[1].env[0].value: {{ extensions.store.cfg.S3_BUCKET }}: extension \"store\" (mlflow) has no configuration entry \"S3_BUCKET\""},
		},
		{
			name: "credential in an input value",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ inputs.predictor }}", "{{ extensions.store.cfg.AWS_SECRET_ACCESS_KEY }}")
			},
			want: []string{"wf.yaml:25: steps[1].inputs[1].value: {{ extensions.store.cfg.AWS_SECRET_ACCESS_KEY }} is a credential"},
		},
		{
			name: "credential inside a longer env value",
			yaml: func(t *testing.T) string {
				return replace(t, "{{ extensions.store.url }}", "key={{ extensions.store.cfg.AWS_SECRET_ACCESS_KEY }}")
			},
			want: []string{"wf.yaml:33: steps[1].env[0].value: {{ extensions.store.cfg.AWS_SECRET_ACCESS_KEY }} is a credential"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.yaml(t)
			wf, err := Parse([]byte(data), "wf.yaml")
			if err == nil {
				_, err = Compile(context.Background(), wf, Options{Resolver: exampleRegistry()})
			}
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidWorkflow), "error %q does not wrap ErrInvalidWorkflow", err)
			var fe *FieldError
			require.True(t, errors.As(err, &fe), "error %q is not a *FieldError", err)
			for _, want := range tc.want {
				assert.Contains(t, err.Error(), want)
			}
			for _, secret := range exampleSecrets {
				assert.NotContains(t, err.Error(), secret, "an error must not reveal a credential")
			}
		})
	}
}

func TestCompileNeedsAResolverForRequirements(t *testing.T) {
	wf, err := Parse([]byte(validBase), "wf.yaml")
	require.NoError(t, err)
	_, err = Compile(context.Background(), wf, Options{})
	require.ErrorContains(t, err, `step "serve" has extension requirements but no resolver was given`)
}

func TestParseTemplate(t *testing.T) {
	cases := []struct {
		in   string
		want []segment
		err  string
	}{
		{in: "plain", want: []segment{{text: "plain"}}},
		{in: "{{inputs.a}}", want: []segment{{ref: &ref{kind: refInput, raw: "{{inputs.a}}", name: "a"}}}},
		{in: "x-{{ inputs.cs.project }}-y", want: []segment{
			{text: "x-"},
			{ref: &ref{kind: refCodesetField, raw: "{{ inputs.cs.project }}", name: "cs", field: "project"}},
			{text: "-y"},
		}},
		{in: "{{ steps.s.outputs.o }}", want: []segment{{ref: &ref{kind: refStepOutput, raw: "{{ steps.s.outputs.o }}", name: "s", field: "o"}}}},
		{in: "{{ extension.e.zone }}", want: []segment{{ref: &ref{kind: refExtension, raw: "{{ extension.e.zone }}", name: "e", field: "zone"}}}},
		{in: "{{ extensions.e.cfg.a.b }}", want: []segment{{ref: &ref{kind: refExtensionCfg, raw: "{{ extensions.e.cfg.a.b }}", name: "e", field: "a.b"}}}},
		{in: "{{ inputs.cs.branch }}", err: `unknown codeset field "branch"`},
		{in: "{{ steps.s.o }}", err: "expected steps.STEP.outputs.OUTPUT"},
		{in: "{{ inputs..a }}", err: "malformed reference"},
		{in: "{{ }}", err: "malformed reference"},
		{in: "a {{ inputs.a", err: "unterminated expression"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseTemplate(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestInputEnv(t *testing.T) {
	for in, want := range map[string]string{
		"model":            "FUSEML_MODEL",
		"app_name":         "FUSEML_APP_NAME",
		"app-name":         "FUSEML_APP_NAME",
		"Verbose":          "FUSEML_VERBOSE",
		"resources_limits": "FUSEML_RESOURCES_LIMITS",
	} {
		assert.Equal(t, want, InputEnv(in), in)
	}
}
