package testserver

import (
	"os/exec"
	"syscall"
)

// DieWithParent has the kernel kill the started process when the process that started
// it dies, so that a crashed or killed test leaves no server behind.
func DieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
