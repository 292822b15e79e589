package kube

import "errors"

// ErrUnknownKind is returned for a kind that the API server does not serve.
var ErrUnknownKind = errors.New("kind not served by the cluster")
