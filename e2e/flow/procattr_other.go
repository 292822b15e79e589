//go:build unix && !linux

package flow

import "syscall"

// attachedAttr: only Linux has a parent-death signal; elsewhere stop processes yourself.
func attachedAttr() *syscall.SysProcAttr { return nil }

// detachedAttr: a session of its own.
func detachedAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
