//go:build !linux

package testserver

import "os/exec"

func setDeathSignal(cmd *exec.Cmd) {}
