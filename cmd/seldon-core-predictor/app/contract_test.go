package app

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/workflows"
)

// TestStepReadsTheWorkflowContract keeps the step's inputs and the workflows' list of
// them (which the compiled Tekton tasks and the standalone Task set) in step: every
// variable the step reads is in workflows.PredictorStepInputs, and every entry there is
// read by the step.
func TestStepReadsTheWorkflowContract(t *testing.T) {
	read := map[string]bool{
		// Read straight from the environment, never from a flag: a secret on a command
		// line shows in every process listing.
		"AWS_SECRET_ACCESS_KEY": true,
	}
	for _, f := range flags() {
		var envs []string
		switch f := f.(type) {
		case *cli.StringFlag:
			envs = f.EnvVars
		case *cli.BoolFlag:
			envs = f.EnvVars
		case *cli.IntFlag:
			envs = f.EnvVars
		case *cli.DurationFlag:
			envs = f.EnvVars
		}
		for _, e := range envs {
			read[e] = true
		}
	}
	// Standard variables the step also honours, beyond FuseML's contract.
	for _, e := range []string{"KUBECONFIG"} {
		delete(read, e)
	}
	var got []string
	for e := range read {
		got = append(got, e)
	}
	want := append([]string(nil), workflows.PredictorStepInputs...)
	sort.Strings(got)
	sort.Strings(want)
	assert.Equal(t, want, got)
}
