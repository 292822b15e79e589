// Package client is the typed Go client of the registry's HTTP API, used by the
// predictor step and the fuseml CLI. It retries connection errors, 429 and 5xx
// answers with capped backoff (never another 4xx), honours the context, and returns
// *Error for the server's refusals, which errors.Is maps to registry.ErrNotFound,
// registry.ErrExists / registry.ErrConflict and registry.ErrInvalid.
package client
