// Package registry holds the extension registry's domain: extensions with their
// services, endpoints and credentials, the applications that workflows register, and
// the rules that FuseML users rely on: identifiers, validation, queries (zones, endpoint
// types, credential scopes, semantic-version constraints) and resolving a step's
// extension requirements into access descriptors and an environment.
//
// Everything here is pure: storage lives in registry/store, the HTTP API in
// registry/api and the Go client in registry/client.
package registry
