// Package endpoint is `fuseml extension endpoint`: add, list, show, update and
// delete the endpoints (URLs) of an extension's service.
package endpoint
