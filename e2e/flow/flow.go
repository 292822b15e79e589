package flow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"text/template"

	"k8s.io/client-go/dynamic"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

// Flow is one setting of the main job: where the binaries are, the servers it talks to,
// and the folder where it keeps descriptors, logs and results.
type Flow struct {
	// Root is the repository (for e2e/testdata and examples/); Bin holds the built binaries.
	Root, Bin string
	// Dir receives rendered descriptors, results and a log per command (logs/).
	Dir string
	// S3Endpoint, AccessKey and SecretKey reach MinIO.
	S3Endpoint, AccessKey, SecretKey string
	// Kubeconfig and Kube reach the Kubernetes API server as its admin.
	Kubeconfig string
	Kube       dynamic.Interface
	// Registry is the running registry.
	Registry *Registry
	// Transcript, if set, receives each command line the flow runs (no secret is on one).
	Transcript io.Writer
	// CLIEnv holds environment entries (NAME=VALUE) for every fuseml command, such as
	// FUSEML_VERBOSE=true; they win over the flow's own.
	CLIEnv []string

	mu   sync.Mutex
	seq  int
	logs []string
}

// Logs returns the log files written so far: one per command, plus the registry's.
func (f *Flow) Logs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.logs...)
	if f.Registry != nil {
		out = append(out, f.Registry.Process.Log)
	}
	return out
}

// newLog returns a fresh log path under Dir/logs for a command.
func (f *Flow) newLog(name string) (string, error) {
	dir := filepath.Join(f.Dir, "logs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	p := filepath.Join(dir, fmt.Sprintf("%03d-%s.log", f.seq, name))
	f.logs = append(f.logs, p)
	return p, nil
}

// CLIResult is how a fuseml command ended.
type CLIResult struct {
	Stdout, Stderr string
	Code           int
}

// CLI runs the fuseml CLI against the registry as its admin, with the registry's URL
// and token in the environment (FUSEML_SERVER_URL, FUSEML_TOKEN), as a user would after
// exporting them. Its standard error goes to a log; a non-zero exit is not an error here.
func (f *Flow) CLI(ctx context.Context, args ...string) (CLIResult, error) {
	return f.CLIWith(ctx, nil, args...)
}

// CLIWith is CLI with more environment entries (NAME=VALUE), which win over the others:
// FUSEML_TOKEN of another role, say, or another FUSEML_SERVER_URL.
func (f *Flow) CLIWith(ctx context.Context, env []string, args ...string) (CLIResult, error) {
	logPath, err := f.newLog("fuseml-" + strings.Join(firstWords(args, 2), "-"))
	if err != nil {
		return CLIResult{}, err
	}
	f.transcript("fuseml %s", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, filepath.Join(f.Bin, CLIBinary), args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + f.Dir,
		"FUSEML_SERVER_URL=" + f.Registry.URL,
		"FUSEML_TOKEN=" + f.Registry.AdminToken,
	}
	// exec keeps the last of duplicate names
	cmd.Env = append(append(cmd.Env, f.CLIEnv...), env...)
	testserver.DieWithParent(cmd)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	res := CLIResult{Stdout: stdout.String(), Stderr: stderr.String()}
	if werr := os.WriteFile(logPath, stderr.Bytes(), 0o600); werr != nil {
		return res, werr
	}
	if runErr != nil {
		if ee, ok := runErr.(*exec.ExitError); ok {
			res.Code = ee.ExitCode()
			return res, nil
		}
		return res, fmt.Errorf("running fuseml %s: %w", strings.Join(args, " "), runErr)
	}
	return res, nil
}

// MustCLI is CLI that fails on a non-zero exit.
func (f *Flow) MustCLI(ctx context.Context, args ...string) (string, error) {
	res, err := f.CLI(ctx, args...)
	if err != nil {
		return "", err
	}
	if res.Code != 0 {
		return "", fmt.Errorf("fuseml %s: exit %d: %s", strings.Join(args, " "), res.Code, strings.TrimSpace(res.Stderr))
	}
	return res.Stdout, nil
}

func firstWords(args []string, n int) []string {
	var out []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || len(out) == n {
			break
		}
		out = append(out, a)
	}
	return out
}

func (f *Flow) transcript(format string, args ...any) {
	if f.Transcript != nil {
		fmt.Fprintf(f.Transcript, "$ "+format+"\n", args...)
	}
}

// Extension descriptors: FuseML's example for Seldon Core as it is, and templates for the
// MLflow S3 store and the registry itself, rendered with the servers' endpoints and
// credentials.
var (
	ExampleSeldonCore = filepath.Join("examples", "extensions", "seldon-core.yaml")
	TemplateMLflow    = filepath.Join("e2e", "testdata", "extensions", "mlflow.yaml.tmpl")
	TemplateRegistry  = filepath.Join("e2e", "testdata", "extensions", "fuseml.yaml.tmpl")
	// Workflow is the shipped predictor workflow; it requires the S3 store, Seldon Core
	// and the registry itself.
	Workflow = filepath.Join("workflows", "examples", "seldon-predictor.yaml")
)

// RegisterExtensions registers, with `fuseml extension register -f`, the extensions the
// predictor workflow needs: MLflow with its S3 store (this MinIO), Seldon Core, and the
// registry itself (its URL, and the step's token as credentials), so that compiling the
// workflow gives the step every input it needs.
func (f *Flow) RegisterExtensions(ctx context.Context) error {
	values := map[string]string{
		"S3Endpoint":  f.S3Endpoint,
		"AccessKey":   f.AccessKey,
		"SecretKey":   f.SecretKey,
		"RegistryURL": f.Registry.URL,
		"StepToken":   f.Registry.StepToken,
	}
	dir := filepath.Join(f.Dir, "extensions")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	files := []string{filepath.Join(f.Root, ExampleSeldonCore)}
	for _, tmpl := range []string{TemplateMLflow, TemplateRegistry} {
		out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(tmpl), ".tmpl"))
		if err := render(filepath.Join(f.Root, tmpl), out, values); err != nil {
			return err
		}
		files = append(files, out)
	}
	for _, file := range files {
		if _, err := f.MustCLI(ctx, "extension", "register", "-f", file); err != nil {
			return err
		}
	}
	return nil
}

// render executes a text/template file into out (mode 0600: it holds credentials).
func render(tmplPath, out string, values map[string]string) error {
	t, err := template.New(filepath.Base(tmplPath)).Option("missingkey=error").ParseFiles(tmplPath)
	if err != nil {
		return fmt.Errorf("reading the template %s: %w", tmplPath, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, values); err != nil {
		return fmt.Errorf("rendering %s: %w", tmplPath, err)
	}
	return os.WriteFile(out, b.Bytes(), 0o600)
}
