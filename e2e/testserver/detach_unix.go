//go:build unix

package testserver

import (
	"os/exec"
	"syscall"
)

// Detach runs the process in a session of its own, so that it outlives the process that
// started it and the terminal's signals.
func Detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}
