package testserver

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// ModulePath is the main module's path, used to find the repository's root.
const ModulePath = "github.com/openmodelops/fuseml-seldon"

var (
	stopMu   sync.Mutex
	stoppers []func()
)

// onStop registers a function that Main (or Stop) runs once the tests are done.
func onStop(f func()) {
	stopMu.Lock()
	defer stopMu.Unlock()
	stoppers = append(stoppers, f)
}

// Stop stops every server started so far, newest first.
func Stop() {
	stopMu.Lock()
	fs := stoppers
	stoppers = nil
	stopMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// Main runs a package's tests, then stops the servers they started. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testserver.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	StopKube()
	return code
}

// RepoRoot returns the root of the repository: the nearest folder above the working
// directory whose go.mod declares ModulePath.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && moduleOf(data) == ModulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", ModulePath)
		}
		dir = parent
	}
}

// moduleOf returns the module path declared in a go.mod file.
func moduleOf(gomod []byte) string {
	for line := range strings.SplitSeq(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// ToolsBin returns the folder holding the test servers' binaries: $FUSEML_TOOLS_BIN
// (the Makefile sets it), else <repo root>/.tools/bin.
func ToolsBin() (string, error) {
	if d := os.Getenv("FUSEML_TOOLS_BIN"); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, ".tools", "bin"), nil
}

// binary finds a server's binary in ToolsBin, or skips the test saying how to get it.
func binary(tb testing.TB, name string) string {
	tb.Helper()
	dir, err := ToolsBin()
	if err != nil {
		tb.Skipf("%s: %v; run `make tools`", name, err)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s is not installed at %s: run `make tools` (make test does)", name, p)
	}
	return p
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// skipShort skips a test that needs a server when -short is given.
func skipShort(tb testing.TB, server string) {
	tb.Helper()
	if testing.Short() {
		tb.Skipf("needs a real %s: not run with -short", server)
	}
}

// tailFile returns the last lines of a server's log, for failure messages.
func tailFile(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// startProcess starts cmd with its output in logPath and with the death signal set so
// that it dies with the test process.
func startProcess(cmd *exec.Cmd, logPath string) error {
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	DieWithParent(cmd)
	if err := Start(cmd, func(error) { logFile.Close() }); err != nil {
		logFile.Close()
		return err
	}
	return nil
}
