package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

// TestDemoUpDown runs the demo as `make demo` does (in a temporary state folder rather
// than .demo/), checks that it ends with the prediction URL and the application table,
// then `demo down`, and checks that no process it started is left.
func TestDemoUpDown(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: the demo starts real servers, which -short leaves out")
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("skipping: checking the demo's processes needs /proc")
	}
	require.NoError(t, buildErr, "building the binaries")
	root, err := testserver.RepoRoot()
	require.NoError(t, err)
	demo := filepath.Join(t.TempDir(), "demo")
	build := exec.Command("go", "build", "-o", demo, "./e2e/cmd/demo")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the demo: %s", out)

	state := t.TempDir()
	run := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, demo, args...)
		cmd.Dir = root
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		err := cmd.Run()
		return b.String(), err
	}
	// Whatever happens, stop what the demo started.
	t.Cleanup(func() { _, _ = run("down", "--state", state) })

	up, err := run("up", "--bin", bin, "--state", state)
	require.NoError(t, err, "demo up:\n%s", up)
	assert.Contains(t, up, "Prediction URL: http://iris-demo.seldon.example.com/seldon/fuseml-workloads/iris-demo/api/v1.0/predictions\n")
	assert.Regexp(t, `(?m)^NAME +TYPE +DESCRIPTION +URL +WORKFLOW\niris-demo +predictor +.* http://iris-demo\.seldon\.example\.com/\S+ +seldon-predictor$`, up)
	assert.Contains(t, up, "export KUBECONFIG="+filepath.Join(state, "kube", "kubeconfig"))
	assert.Contains(t, up, "export FUSEML_SERVER_URL=http://127.0.0.1:")

	pids := readPids(t, filepath.Join(state, "pids"))
	require.Len(t, pids, 4, "minio, etcd, kube-apiserver, fuseml-registry")
	for _, pid := range pids {
		assert.True(t, running(pid), "pid %d runs after demo up returned", pid)
	}
	again, err := run("up", "--bin", bin, "--state", state)
	assert.Error(t, err, "a second demo up while one runs")
	assert.Contains(t, again, "a demo is already running")

	down, err := run("down", "--state", state)
	require.NoError(t, err, "demo down:\n%s", down)
	assert.Contains(t, down, "no demo process is left")
	for _, pid := range pids {
		assert.False(t, running(pid), "pid %d after demo down", pid)
	}
	assert.NoFileExists(t, filepath.Join(state, "pids"))
}

func readPids(t *testing.T, file string) []int {
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	var pids []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pid, err := strconv.Atoi(strings.Fields(sc.Text())[0])
		require.NoError(t, err)
		pids = append(pids, pid)
	}
	return pids
}

// running says whether pid is a live process: present and not a zombie waiting for
// its reaper.
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) STATE ...: the state follows the last ')'.
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
