package flow

import "syscall"

// attachedAttr has the kernel kill the child when this process dies.
func attachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// detachedAttr puts the child in a session of its own: it outlives this process and
// the terminal's signals.
func detachedAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}
