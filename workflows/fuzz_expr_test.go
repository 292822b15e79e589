package workflows

import (
	"context"
	"errors"
	"strings"
	"testing"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/yaml"
)

// exprSeeds are templates of every kind of reference, valid and not, that FuzzExpressions
// starts from; fuzzWorkflow declares what the valid ones refer to.
var exprSeeds = []string{
	"{{ inputs.model }}",
	"{{inputs.model}}",
	"{{ inputs.source.project }}",
	"{{ inputs.source.name }}-{{ inputs.source.version }}",
	"{{ steps.build.outputs.image }}",
	"{{ extensions.store.url }}",
	"{{ extension.store.zone }}",
	"{{ extensions.store.cfg.MLFLOW_S3_ENDPOINT_URL }}",
	"{{ extensions.store.cfg.AWS_SECRET_ACCESS_KEY }}",
	"{{ extensions.registry.cfg.FUSEML_TOKEN }}",
	"key={{ extensions.store.cfg.AWS_SECRET_ACCESS_KEY }}",
	"s3://{{ inputs.model }}/{{ extensions.store.service_resource }}:{{ extensions.registry.version }}",
	"{{ extensions.store.cfg.a.b.c }}",
	"{{ extensions.nope.url }}",
	"{{ inputs.source }}",
	"{{ inputs.model.name }}",
	"{{ steps.serve.outputs.url }}",
	"{{ inputs. }}", "{{ . }}", "{{}}", "{{", "}}", "{{ inputs.model }", "{{{{ inputs.model }}}}",
	"$(params.model)", "plain text", "",
	"\x7f0", "a\u0085b", "\u2028\ufeff\ufffe", // characters YAML cannot hold raw
}

// FuzzExpressions feeds arbitrary text to the expression parser and, as a step's env
// value, input value or image, to Compile against the example registry. Neither may panic
// or hang; a parsed template must give back its text; a rejection must be a *FieldError
// or a *TektonError that holds no credential; what compiles must have no expression left
// and no credential outside the Secret, and its YAML must read back as the same Pipeline.
func FuzzExpressions(f *testing.F) {
	for _, s := range exprSeeds {
		for where := range uint8(3) {
			f.Add(s, where)
		}
	}
	f.Fuzz(func(t *testing.T, tmpl string, where uint8) {
		// A workflow that Parse read is valid UTF-8 (YAML is), and so is every Kubernetes
		// object (JSON): invalid bytes would only test encoding/json's replacement.
		tmpl = strings.ToValidUTF8(tmpl, "\ufffd")
		segs, perr := parseTemplate(tmpl)
		if perr == nil {
			checkSegments(t, tmpl, segs)
		}

		wf, field := fuzzWorkflow(tmpl, where)
		c, err := Compile(context.Background(), wf, Options{Resolver: exampleRegistry(), Consumer: Consumer{Project: "alpha", User: "alice"}})
		if err != nil {
			var fe *FieldError
			var te *TektonError
			if !errors.As(err, &fe) && !errors.As(err, &te) {
				t.Fatalf("%s %q: error of type %T, want a *FieldError or *TektonError: %v", field, tmpl, err, err)
			}
			if perr != nil && (fe == nil || !strings.Contains(err.Error(), field)) {
				t.Fatalf("%s %q does not parse (%v), but the error does not name the field: %v", field, tmpl, perr, err)
			}
			checkNoSecret(t, tmpl, "the error", err.Error())
			return
		}
		if perr != nil {
			t.Fatalf("%s %q does not parse (%v), but it compiled", field, tmpl, perr)
		}
		var p strings.Builder
		if err := (&Compiled{Pipeline: c.Pipeline}).WriteYAML(&p); err != nil {
			t.Fatalf("%s %q: %v", field, tmpl, err)
		}
		checkNoSecret(t, tmpl, "the Pipeline", p.String())
		if strings.Contains(p.String(), "{{") {
			t.Fatalf("%s %q: an expression is left in the Pipeline:\n%s", field, tmpl, p.String())
		}
		// What kubectl would read is what was compiled.
		var back pipelinev1.Pipeline
		if err := yaml.UnmarshalStrict([]byte(p.String()), &back); err != nil {
			t.Fatalf("%s %q: the YAML does not read back: %v\n%s", field, tmpl, err, p.String())
		}
		if !equality.Semantic.DeepEqual(c.Pipeline.Spec, back.Spec) {
			t.Fatalf("%s %q: the YAML reads back as another Pipeline:\n%s", field, tmpl, p.String())
		}
	})
}

// checkSegments checks that a parsed template alternates text and expressions and gives
// back its text.
func checkSegments(t *testing.T, tmpl string, segs []segment) {
	t.Helper()
	var b strings.Builder
	for _, s := range segs {
		switch {
		case s.ref == nil && (s.text == "" || strings.Contains(s.text, "{{")):
			t.Fatalf("%q: text segment %q is empty or holds an expression", tmpl, s.text)
		case s.ref == nil:
			b.WriteString(s.text)
		case !strings.HasPrefix(s.ref.raw, "{{") || !strings.HasSuffix(s.ref.raw, "}}") || s.ref.name == "":
			t.Fatalf("%q: expression %+v", tmpl, *s.ref)
		default:
			b.WriteString(s.ref.raw)
		}
	}
	if b.String() != tmpl {
		t.Fatalf("%q parses into segments that give back %q", tmpl, b.String())
	}
}

// checkNoSecret fails if text holds a credential of the example registry that the
// template itself did not spell out.
func checkNoSecret(t *testing.T, tmpl, where, text string) {
	t.Helper()
	for _, s := range exampleSecrets {
		if strings.Contains(text, s) && !strings.Contains(tmpl, s) {
			t.Fatalf("%q: a credential in %s:\n%s", tmpl, where, text)
		}
	}
}

// fuzzWorkflow is a workflow whose expressions can name an input, a codeset's fields, an
// earlier step's output and two extensions with configuration and credentials, with tmpl
// as the value of one field of its second step (where: 0 env, 1 input, 2 image). It
// returns the field's path, which a rejection must name.
func fuzzWorkflow(tmpl string, where uint8) (*Workflow, string) {
	serve := Step{
		Name:    "serve",
		Image:   "predictor:1",
		Inputs:  []StepInput{{Name: "model", Value: "{{ inputs.model }}"}},
		Outputs: []StepOutput{{Name: "url"}},
		Extensions: []ExtensionRequirement{
			{Name: "store", ServiceResource: "s3"},
			{Name: "registry", Product: "fuseml"},
		},
	}
	var field string
	switch where % 3 {
	case 0:
		serve.Env = []EnvVar{{Name: "VALUE", Value: tmpl}}
		field = "steps[1].env[0].value"
	case 1:
		serve.Inputs = append(serve.Inputs, StepInput{Name: "value", Value: tmpl})
		field = "steps[1].inputs[1].value"
	default:
		serve.Image = tmpl
		field = "steps[1].image"
	}
	return &Workflow{
		Name:    "fuzz",
		Inputs:  []Input{{Name: "model"}, {Name: "source", Type: InputTypeCodeset}},
		Outputs: []Output{{Name: "url"}},
		Steps: []Step{
			{Name: "build", Image: "builder:1", Outputs: []StepOutput{{Name: "image"}}},
			serve,
		},
	}, field
}
