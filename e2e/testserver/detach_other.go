//go:build !unix

package testserver

import "os/exec"

// Detach does nothing here: a child outlives its parent anyway.
func Detach(*exec.Cmd) {}
