// Package credentials is `fuseml extension credentials`: add, list, show, update
// and delete the credentials of an extension's service. Values show as *** unless an
// admin asks for them with --reveal.
package credentials
