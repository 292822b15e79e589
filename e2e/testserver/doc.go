// Package testserver starts the real servers that tests run against (MinIO here; a
// kube-apiserver with etcd beside it), on free loopback ports, from the binaries that
// `make tools` installs into .tools/bin. Servers are shared by the tests of one package
// and stopped by Main; tests skip with a message under -short or when a binary is missing.
package testserver
