// Package api serves the registry over HTTP with FuseML's paths, JSON field names and
// status codes: extensions, services, endpoints, credentials, applications, and
// POST /extensions/resolve. Every path but /healthz takes a bearer token whose role
// (reader, editor, admin) decides what it may do; credential values are redacted in
// every response except resolve and an admin's ?reveal=true.
package api
