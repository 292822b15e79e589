package workflows

import (
	"context"
	"errors"
	"fmt"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/client"
)

// RegistryResolver resolves requirements through the registry's POST /extensions/resolve.
type RegistryResolver struct {
	Client *client.Client
}

var _ Resolver = (*RegistryResolver)(nil)

// Resolve implements Resolver. The registry chooses one extension service, endpoint and
// credentials per requirement; the configuration of the extension, service and endpoint
// (in that order, later ones winning) becomes Config, the credentials' entries become
// Credentials. A requirement that nothing satisfies wraps ErrUnsatisfied.
func (r *RegistryResolver) Resolve(ctx context.Context, consumer Consumer, reqs []Requirement) ([]Access, error) {
	req := registry.ResolveRequest{Consumer: registry.Consumer{Project: consumer.Project, User: consumer.User, Zone: consumer.Zone}}
	for _, q := range reqs {
		req.Requirements = append(req.Requirements, registry.Requirement{
			Name: q.Name, ExtensionID: q.ExtensionID, Product: q.Product, Version: q.Version, Zone: q.Zone,
			ServiceID: q.ServiceID, ServiceResource: q.ServiceResource, ServiceCategory: q.ServiceCategory,
			EndpointType: q.EndpointType,
		})
	}
	res, err := r.Client.Resolve(ctx, req)
	if err != nil {
		if errors.Is(err, registry.ErrUnresolved) {
			return nil, fmt.Errorf("%w: %w", ErrUnsatisfied, err)
		}
		return nil, fmt.Errorf("resolving extension requirements through the registry: %w", err)
	}
	if len(res.Accesses) != len(reqs) {
		return nil, fmt.Errorf("the registry answered %d accesses for %d requirements", len(res.Accesses), len(reqs))
	}
	out := make([]Access, len(res.Accesses))
	for i, a := range res.Accesses {
		config := map[string]string{}
		for _, m := range []map[string]string{a.Extension.Configuration, a.Service.Configuration, a.Endpoint.Configuration} {
			for k, v := range m {
				config[k] = v
			}
		}
		acc := Access{
			ExtensionID: a.Extension.ID, Product: a.Extension.Product, Version: a.Extension.Version, Zone: a.Extension.Zone,
			ServiceID: a.Service.ID, ServiceResource: a.Service.Resource, ServiceCategory: a.Service.Category,
			EndpointURL: a.Endpoint.URL, EndpointType: a.Endpoint.Type, Config: config,
		}
		if a.Credentials != nil {
			acc.CredentialsID = a.Credentials.ID
			acc.Credentials = a.Credentials.Configuration
		}
		out[i] = acc
	}
	return out, nil
}
