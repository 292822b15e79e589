package server

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the started process when the test process dies, so
// that a crashed or killed test leaves no registry behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
