package testserver

import (
	"errors"
	"syscall"
)

// kubeProcessAlive says whether a process with this pid exists.
func kubeProcessAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
