package kube

import "errors"

// ErrUnknownKind is returned for a kind that the API server does not serve.
var ErrUnknownKind = errors.New("kind not served by the cluster")

// ErrNotOwned is returned for an object that does not carry the application's label.
var ErrNotOwned = errors.New("not an object of this application")
