package flow

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// StepRun is how a run of the step binary ended.
type StepRun struct {
	// Code is the exit code: 0 done, 2 input, 3 model, 4 Kubernetes or Seldon, 5 registry.
	Code int
	// Log is the file holding its output; Output its content.
	Log, Output string
	// Result is the content of the Tekton result file (the prediction URL), if written.
	Result string
}

// RunStep runs the step binary (`seldon-core-predictor run`, the image's command) with
// exactly env, the task's environment (see TaskEnv), plus KUBECONFIG, which stands in
// for the service account a pod would have, and a fresh results folder under Dir as
// /tekton/results. args are flags beyond the environment (such as --seldon-api v2, which
// has no variable). The output is in a log of its own.
func (f *Flow) RunStep(ctx context.Context, env []string, name string, args ...string) (StepRun, error) {
	logPath, err := f.newLog("step-" + name)
	if err != nil {
		return StepRun{}, err
	}
	results, err := os.MkdirTemp(f.Dir, "results-")
	if err != nil {
		return StepRun{}, err
	}
	argv := append([]string{"run", "--results-dir", results}, args...)
	f.transcript("%s %s   (with the task's environment)", StepBinary, strings.Join(argv, " "))
	full := append(append([]string(nil), env...), "KUBECONFIG="+f.Kubeconfig)
	p, err := Spawn("seldon-core-predictor", filepath.Join(f.Bin, StepBinary), argv, full, logPath, false, nil)
	if err != nil {
		return StepRun{}, err
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			p.Stop(0)
		case <-done:
		}
	}()
	code, _ := p.Wait()
	close(done)
	out, _ := os.ReadFile(logPath)
	run := StepRun{Code: code, Log: logPath, Output: string(out)}
	if b, err := os.ReadFile(filepath.Join(results, resultName(env))); err == nil {
		run.Result = string(b)
	}
	if ctx.Err() != nil {
		return run, fmt.Errorf("the step did not finish: %w", ctx.Err())
	}
	return run, nil
}

// resultName is the Tekton result the step writes: TASK_RESULT, by default prediction-url.
func resultName(env []string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "TASK_RESULT="); ok && v != "" {
			return v
		}
	}
	return "prediction-url"
}
