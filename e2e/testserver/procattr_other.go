//go:build !linux

package testserver

import "os/exec"

// DieWithParent does nothing here: only Linux offers a parent-death signal, so stop the
// servers yourself (Main does).
func DieWithParent(*exec.Cmd) {}
