package workflows

import (
	"context"
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary YAML to Parse and, when it passes, to Compile: neither may
// panic, every rejection must be a *FieldError, and no credential may reach the Pipeline.
func FuzzParse(f *testing.F) {
	for _, file := range []string{"examples/mlflow-e2e.yaml", "examples/seldon-predictor.yaml", "testdata/full.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(validBase))
	f.Add([]byte("name: x\nsteps:\n  - name: s\n    image: \"{{ extensions.e.cfg.AWS_SECRET_ACCESS_KEY }}\"\n    extensions:\n      - name: e\n        service_resource: s3\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		wf, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		c, err := Compile(context.Background(), wf, Options{Resolver: exampleRegistry(), Consumer: Consumer{Project: "alpha"}})
		if err != nil {
			return
		}
		var p strings.Builder
		if err := (&Compiled{Pipeline: c.Pipeline}).WriteYAML(&p); err != nil {
			t.Fatal(err)
		}
		for _, s := range exampleSecrets {
			if strings.Contains(p.String(), s) {
				t.Fatalf("credential in the Pipeline:\n%s", p.String())
			}
		}
	})
}
