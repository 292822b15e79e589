//go:build !linux

package server

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal; the test's
// cleanup kills the registry it started.
func dieWithParent(*exec.Cmd) {}
