package client

import "github.com/openmodelops/fuseml-seldon/registry"

// The records the client sends and receives are the registry's own; these aliases let
// callers name them from this package.
type (
	Extension           = registry.Extension
	Service             = registry.Service
	Endpoint            = registry.Endpoint
	Credentials         = registry.Credentials
	Query               = registry.Query
	ResolveRequest      = registry.ResolveRequest
	Requirement         = registry.Requirement
	Consumer            = registry.Consumer
	Resolution          = registry.Resolution
	Access              = registry.Access
	Application         = registry.Application
	KubernetesResource  = registry.KubernetesResource
	ApplicationStatus   = registry.ApplicationStatus
	HistoryEntry        = registry.HistoryEntry
	ApplicationFilter   = registry.ApplicationFilter
	ApplicationDeletion = registry.ApplicationDeletion
)
