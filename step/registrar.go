package step

import (
	"context"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// RegistryClient registers applications through the registry's Go client.
type RegistryClient struct {
	Client *client.Client
}

var _ Registrar = (*RegistryClient)(nil)

// NewRegistryClient returns a Registrar for the registry at url, authenticating with
// token. The client retries connection errors, 429 and 5xx answers with backoff.
func NewRegistryClient(url, token string) (*RegistryClient, error) {
	c, err := client.New(client.Config{URL: url, Token: token})
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
