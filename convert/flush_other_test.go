//go:build !unix

package convert

func flushDisk() {}
