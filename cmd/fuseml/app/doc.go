// Package app is the fuseml command line: Run parses the arguments (flags may come
// before or after the words of a command, as with kubectl), runs the command, and
// returns an error whose message is one line saying what failed and why. ExitCode
// maps such an error to the process's exit status; only main calls it.
//
// Each command group is a package at the path of the words a user types
// (cmd/fuseml/application for `fuseml application ...`); the list of groups is in
// app.go, one line per group.
package app
