//go:build !unix

package testserver

import "os/exec"

// kubeDetach does nothing here: a child outlives its parent anyway.
func kubeDetach(*exec.Cmd) {}
