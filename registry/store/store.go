package store

import (
	"context"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// Store is what the registry keeps. Every method returns errors that wrap
// registry.ErrNotFound or registry.ErrExists where those apply.
type Store interface {
	// CreateExtension stores an extension with its whole tree (identifiers filled).
	CreateExtension(ctx context.Context, e registry.Extension) (registry.Extension, error)
	GetExtension(ctx context.Context, id string) (registry.Extension, error)
	// ListExtensions returns the extensions matching q, pruned by registry.Filter.
	ListExtensions(ctx context.Context, q registry.Query) ([]registry.Extension, error)
	// UpdateExtension replaces the extension's own fields (not its services).
	UpdateExtension(ctx context.Context, e registry.Extension) (registry.Extension, error)
	DeleteExtension(ctx context.Context, id string) error

	CreateService(ctx context.Context, s registry.Service) (registry.Service, error)
	GetService(ctx context.Context, extensionID, id string) (registry.Service, error)
	ListServices(ctx context.Context, extensionID string) ([]registry.Service, error)
	// UpdateService replaces the service's own fields (not its endpoints or credentials).
	UpdateService(ctx context.Context, s registry.Service) (registry.Service, error)
	DeleteService(ctx context.Context, extensionID, id string) error

	CreateEndpoint(ctx context.Context, p registry.Endpoint) (registry.Endpoint, error)
	GetEndpoint(ctx context.Context, extensionID, serviceID, url string) (registry.Endpoint, error)
	ListEndpoints(ctx context.Context, extensionID, serviceID string) ([]registry.Endpoint, error)
	UpdateEndpoint(ctx context.Context, p registry.Endpoint) (registry.Endpoint, error)
	DeleteEndpoint(ctx context.Context, extensionID, serviceID, url string) error

	CreateCredentials(ctx context.Context, c registry.Credentials) (registry.Credentials, error)
	GetCredentials(ctx context.Context, extensionID, serviceID, id string) (registry.Credentials, error)
	ListCredentials(ctx context.Context, extensionID, serviceID string) ([]registry.Credentials, error)
	UpdateCredentials(ctx context.Context, c registry.Credentials) (registry.Credentials, error)
	DeleteCredentials(ctx context.Context, extensionID, serviceID, id string) error

	// RegisterApplication reads the application called name (nil when absent), lets
	// decide return the record to store, and stores it, atomically. It reports whether
	// the record was created.
	RegisterApplication(ctx context.Context, name string, decide func(existing *registry.Application) (registry.Application, error)) (registry.Application, bool, error)
	GetApplication(ctx context.Context, name string) (registry.Application, error)
	ListApplications(ctx context.Context, f registry.ApplicationFilter) ([]registry.Application, error)
	DeleteApplication(ctx context.Context, name string) error

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Cipher seals and opens credentials configuration (registry/seal implements it).
type Cipher interface {
	Seal(plaintext []byte) ([]byte, error)
	Open(sealed []byte) ([]byte, error)
}

var _ Store = (*DB)(nil)
