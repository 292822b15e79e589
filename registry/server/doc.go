// Package server is the fuseml-registry program: its command line (urfave/cli/v2),
// and serving the API from a store with tokens, an encryption key and, where there is
// one, cluster access, until its context ends (SIGTERM), finishing the requests in
// flight.
package server
