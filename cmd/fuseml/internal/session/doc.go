// Package session holds what every fuseml command runs with: the global flags, the
// registry client built from them (lazily, so that help and completion need no
// server), the input and output streams, the confirmation prompt, and the usage
// error that commands return for a wrong command line.
package session
