package testserver

import (
	"os/exec"
	"runtime"
)

// Start starts cmd and waits for it in a goroutine of its own, which calls exited (if
// not nil) with Wait's result once the process has ended.
//
// The goroutine keeps its thread for the child's lifetime: DieWithParent's signal fires
// when the thread that started the child ends, not the process. It then unlocks the
// thread rather than exit locked, since the Go runtime ends a thread whose locked
// goroutine exits, and other children started from that thread before would die with it.
func Start(cmd *exec.Cmd, exited func(error)) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		err := cmd.Wait()
		if exited != nil {
			exited(err)
		}
	}()
	return <-started
}
