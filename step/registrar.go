package step

import (
	"context"
	"time"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// RegistryClient registers applications through the registry's Go client.
type RegistryClient struct {
	Client *client.Client
}

var _ Registrar = (*RegistryClient)(nil)

// DefaultRegistryWait is how long a registration is retried by default.
const DefaultRegistryWait = 2 * time.Minute

// NewRegistryClient returns a Registrar for the registry at url, authenticating with
// token. The client retries connection errors, 429 and 5xx answers with backoff for
// wait (DefaultRegistryWait when 0), long enough for a registry pod to restart.
// Registering is idempotent (the same record again changes nothing), so a retry after
// an answer that was lost does no harm.
func NewRegistryClient(url, token string, wait time.Duration) (*RegistryClient, error) {
	if wait <= 0 {
		wait = DefaultRegistryWait
	}
	c, err := client.New(client.Config{URL: url, Token: token, RetryFor: wait})
	if err != nil {
		return nil, err
	}
	return &RegistryClient{Client: c}, nil
}

// RegisterApplication implements Registrar.
func (r *RegistryClient) RegisterApplication(ctx context.Context, app Application, force bool) error {
	rec := registry.Application{
		Name:         app.Name,
		Type:         app.Type,
		Description:  app.Description,
		URL:          app.URL,
		Workflow:     app.Workflow,
		K8sNamespace: app.K8sNamespace,
		Model:        app.Model,
		Predictor:    app.Predictor,
	}
	for _, res := range app.K8sResources {
		rec.K8sResources = append(rec.K8sResources, registry.KubernetesResource{Kind: res.Kind, Name: res.Name})
	}
	if app.Status != "" {
		rec.Status = &registry.ApplicationStatus{State: app.Status, Message: app.StatusMessage}
	}
	_, _, err := r.Client.RegisterApplication(ctx, rec, force)
	return err
}
