//go:build !linux

package testserver

import "os/exec"

// kubeSetParentDeathSignal does nothing here: only Linux offers a parent-death signal,
// so call StopKube.
func kubeSetParentDeathSignal(*exec.Cmd) {}

// kubeProcessAlive reports every process alive: stale folders are not swept here.
func kubeProcessAlive(int) bool { return true }
