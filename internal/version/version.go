// Package version holds the version stamped into every binary at build time.
package version

// Version is set with -ldflags "-X github.com/openmodelops/fuseml-seldon/internal/version.Version=v1.2.3".
var Version = "dev"
