package testserver

import (
	"errors"
	"os/exec"
	"syscall"
)

// kubeSetParentDeathSignal has the kernel kill the server when the test process dies.
func kubeSetParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// kubeProcessAlive says whether a process with this pid exists.
func kubeProcessAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
