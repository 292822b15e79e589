//go:build unix

package convert

import "syscall"

// flushDisk writes dirty pages out, so that a timed run does not pay for earlier writes.
func flushDisk() { syscall.Sync() }
