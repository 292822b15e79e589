package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/openmodelops/fuseml-seldon/e2e/flow"
	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

// The demo's embedded defaults.
const (
	stateDir  = ".demo"
	namespace = "fuseml-workloads"
	bucket    = "mlflow-artifacts"
	model     = "sklearn-iris"
	app       = "iris-demo"
	domain    = "seldon.example.com"
	project   = "demo"
	user      = "demo"
)

// Run runs `demo up` (the default) or `demo down`.
func Run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	bin := fs.String("bin", "bin", "folder of the built binaries (make build)")
	stateFlag := fs.String("state", "", "folder of the servers' data, logs and pids (default: .demo in the repository)")
	cmd := "up"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	root, err := testserver.RepoRoot()
	if err != nil {
		return err
	}
	state := filepath.Join(root, stateDir)
	if *stateFlag != "" {
		if state, err = filepath.Abs(*stateFlag); err != nil {
			return err
		}
	}
	switch cmd {
	case "up":
		b, err := filepath.Abs(*bin)
		if err != nil {
			return err
		}
		return up(ctx, root, state, b, out)
	case "down":
		return down(state, out)
	}
	return fmt.Errorf("unknown command %q: up or down", cmd)
}

// pidsFile lists the demo's servers, "PID NAME" per line, for `demo down`.
func pidsFile(state string) string { return filepath.Join(state, "pids") }

func recordPid(state string, pid int, name string) error {
	f, err := os.OpenFile(pidsFile(state), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintf(f, "%d %s\n", pid, name)
	return err
}

func up(ctx context.Context, root, state, bin string, out io.Writer) (err error) {
	if procs, _ := readPids(state); len(alive(procs)) > 0 {
		return fmt.Errorf("a demo is already running (%s): run `make demo-down` first", pidsFile(state))
	}
	if err := os.RemoveAll(state); err != nil {
		return err
	}
	if err := os.MkdirAll(state, 0o700); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w\n(the servers started so far keep running: `make demo-down` stops them; logs under %s)", err, state)
		}
	}()
	began := time.Now()
	fmt.Fprintf(out, "Starting the servers under %s ...\n", state)
	minio, err := testserver.StartMinIODetached(filepath.Join(state, "minio"))
	if err != nil {
		return err
	}
	if err := recordPid(state, minio.Pid(), "minio"); err != nil {
		return err
	}
	fmt.Fprintf(out, "  MinIO           %s\n", minio.Endpoint)
	kube, err := testserver.StartKubeDetached(filepath.Join(state, "kube"))
	if err != nil {
		return err
	}
	// Pids are in the order to stop them (kube-apiserver, etcd); record the start order.
	pids := kube.Pids()
	for i, name := range []string{"etcd", "kube-apiserver"} {
		if err := recordPid(state, pids[len(pids)-1-i], name); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "  kube-apiserver  %s (over etcd)\n", kube.Host())
	crds, from, err := testserver.MainJobCRDFiles()
	if err != nil {
		return err
	}
	if err := kube.InstallCRDFiles(crds...); err != nil {
		return err
	}
	fmt.Fprintf(out, "  CRDs            Seldon (from %s), Istio Gateway, Tekton\n", from)
	reg, err := flow.StartRegistry(ctx, filepath.Join(bin, flow.RegistryBinary), filepath.Join(state, "registry"), kube.Kubeconfig(), true)
	if err != nil {
		return err
	}
	if err := recordPid(state, reg.Process.Pid(), "fuseml-registry"); err != nil {
		return err
	}
	fmt.Fprintf(out, "  fuseml-registry %s (SQLite %s)\n\n", reg.URL, filepath.Join(reg.Dir, "registry.db"))

	f := &flow.Flow{
		Root: root, Bin: bin, Dir: filepath.Join(state, "flow"),
		S3Endpoint: minio.Endpoint, AccessKey: minio.AccessKey, SecretKey: minio.SecretKey,
		Kubeconfig: kube.Kubeconfig(), Kube: kube.Dynamic(), Registry: reg, Transcript: out,
	}
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	fmt.Fprintln(out, "Registering FuseML's extensions (MLflow's S3 store is this MinIO; the registry is one too):")
	if err := f.RegisterExtensions(ctx); err != nil {
		return err
	}

	s3 := flow.NewS3(minio.Endpoint, minio.AccessKey, minio.SecretKey)
	if err := s3.MakeBucket(ctx, bucket); err != nil {
		return err
	}
	prefix := "1/demo/artifacts/model"
	modelURL := "s3://" + bucket + "/" + prefix
	if err := s3.Upload(ctx, filepath.Join(root, "e2e", "testdata", "models", model), bucket, prefix); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nUploaded the sample model e2e/testdata/models/%s to %s\n\n", model, modelURL)

	_, err = kube.Clientset().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating the namespace %s: %w", namespace, err)
	}
	if err := f.CreateGateway(ctx, namespace, domain); err != nil {
		return fmt.Errorf("creating the Istio gateway: %w", err)
	}
	fmt.Fprintln(out, "Compiling the predictor workflow and applying it:")
	compiled, err := f.Compile(ctx, filepath.Join(root, flow.Workflow), namespace, project, user)
	if err != nil {
		return err
	}
	if err := f.Apply(ctx, compiled); err != nil {
		return err
	}
	stored, _, err := f.GetPipeline(ctx, namespace, compiled.Pipeline.Name)
	if err != nil {
		return err
	}
	env, err := f.TaskEnv(ctx, stored, "predictor",
		map[string]string{"model": modelURL, "predictor": "auto", "app_name": app}, namespace)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "\nRunning the step as the predictor task would (playing the Seldon operator meanwhile):")
	op := f.PlaySeldon(namespace, "SeldonDeployment", app)
	stepCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	run, err := f.RunStep(stepCtx, env, app)
	op.Stop()
	if err != nil {
		return err
	}
	fmt.Fprint(out, indent(run.Output))
	if run.Code != 0 {
		return fmt.Errorf("the step exited with %d (its log: %s)", run.Code, run.Log)
	}
	fmt.Fprintf(out, "\nDone in %s.\n\nPrediction URL: %s\n\n", time.Since(began).Round(100*time.Millisecond), run.Result)
	list, err := f.MustCLI(ctx, "application", "list")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", list)
	fmt.Fprintf(out, `The servers keep running (process ids in %s):

  Kubernetes  export KUBECONFIG=%s
              (kube-apiserver %s; try: kubectl get seldondeployments -n %s)
  MinIO       S3 endpoint %s, console %s
              user %s, password %s
  registry    %s, admin token %s

Use the CLI against the registry:

  export FUSEML_SERVER_URL=%s FUSEML_TOKEN=%s
  bin/fuseml application list
  bin/fuseml extension list

Logs: %s. Stop everything with: make demo-down
`, pidsFile(state), kube.Kubeconfig(), kube.Host(), namespace, minio.Endpoint, minio.Console,
		minio.AccessKey, minio.SecretKey, reg.URL, reg.AdminToken, reg.URL, reg.AdminToken, state)
	return nil
}

func indent(s string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    " + line + "\n")
	}
	return b.String()
}

type proc struct {
	pid  int
	name string
}

func readPids(state string) ([]proc, error) {
	f, err := os.Open(pidsFile(state))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []proc
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		pid, err := strconv.Atoi(fields[0])
		if err != nil || pid <= 1 {
			continue
		}
		out = append(out, proc{pid, fields[1]})
	}
	return out, sc.Err()
}

// isRunning says whether pid is alive (not a zombie waiting for its reaper) and still
// the named program (not a reused id). A process that is exiting has an empty command
// line for a while before it becomes a zombie: it still counts as running.
func isRunning(p proc) bool {
	if err := syscall.Kill(p.pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) || !procMounted()
	}
	// "pid (comm) STATE ...": the state follows the last ')'.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false
	}
	if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.pid)); err == nil && len(cmdline) > 0 {
		argv0, _, _ := bytes.Cut(cmdline, []byte{0})
		return filepath.Base(string(argv0)) == p.name
	}
	return true
}

// procMounted says whether /proc describes processes here (Linux).
func procMounted() bool {
	_, err := os.Stat("/proc/self/stat")
	return err == nil
}

func alive(procs []proc) []proc {
	var out []proc
	for _, p := range procs {
		if isRunning(p) {
			out = append(out, p)
		}
	}
	return out
}

// down stops the recorded servers (SIGTERM, then SIGKILL after 10 s), in the reverse
// order of their start, and checks that none is left.
func down(state string, out io.Writer) error {
	procs, err := readPids(state)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(out, "no demo is running (no "+pidsFile(state)+")")
		return nil
	}
	if err != nil {
		return err
	}
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		if !isRunning(p) {
			continue
		}
		_ = syscall.Kill(p.pid, syscall.SIGTERM)
		deadline := time.Now().Add(10 * time.Second)
		for isRunning(p) && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if isRunning(p) {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
			time.Sleep(200 * time.Millisecond)
		}
		fmt.Fprintf(out, "stopped %s (pid %d)\n", p.name, p.pid)
	}
	if left := alive(procs); len(left) > 0 {
		return fmt.Errorf("still running: %v", left)
	}
	if err := os.Remove(pidsFile(state)); err != nil {
		return err
	}
	fmt.Fprintf(out, "no demo process is left; its data stays in %s until the next make demo\n", state)
	return nil
}
