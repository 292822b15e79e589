package flow

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSpawnEndsNoThread: the parent-death signal kills a child when the thread that
// started it ends, and the Go runtime ends a thread whose locked goroutine exits. Spawn
// must therefore never end a thread: MinIO, started earlier from one of those threads,
// died with it mid-test (connection refused in the e2e tests, now and then).
func TestSpawnEndsNoThread(t *testing.T) {
	threads := func() map[string]bool {
		entries, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Skipf("no /proc/self/task: %v", err)
		}
		out := map[string]bool{}
		for _, e := range entries {
			out[e.Name()] = true
		}
		return out
	}
	before := threads()
	dir := t.TempDir()
	for i := range 40 {
		p, err := Spawn("true", "/bin/true", nil, nil, filepath.Join(dir, "true.log"), false, nil)
		if err != nil {
			t.Fatal(err)
		}
		if code, err := p.Wait(); code != 0 || err != nil {
			t.Fatalf("run %d: exit %d, %v", i, code, err)
		}
	}
	after := threads()
	for tid := range before {
		if !after[tid] {
			t.Errorf("thread %s ended after a spawned process exited: a child it had started would have been killed", tid)
		}
	}
}
