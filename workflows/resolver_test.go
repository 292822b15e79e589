package workflows

import (
	"context"
	"fmt"
)

// staticResolver is a test double for the registry's resolve: an in-memory list of
// services, matched field by field (versions exactly), with credentials scoped the
// registry's way. The real registry is on another branch; the lead adapts its client to
// Resolver after merging.
type staticResolver struct {
	services []staticService
}

type staticService struct {
	access Access
	// credentials fit a consumer when global, or when the consumer's project or user is
	// listed; the first that fits is used.
	credentials []staticCredentials
}

type staticCredentials struct {
	id       string
	projects []string // empty: any project
	users    []string // empty: any user
	entries  map[string]string
}

var _ Resolver = (*staticResolver)(nil)

func (r *staticResolver) Resolve(_ context.Context, consumer Consumer, reqs []Requirement) ([]Access, error) {
	out := make([]Access, 0, len(reqs))
	for _, req := range reqs {
		acc, ok := r.resolve(consumer, req)
		if !ok {
			return nil, fmt.Errorf("requirement %q: %w", req.Name, ErrUnsatisfied)
		}
		out = append(out, acc)
	}
	return out, nil
}

func (r *staticResolver) resolve(c Consumer, req Requirement) (Access, bool) {
	match := func(want, have string) bool { return want == "" || want == have }
	for _, s := range r.services {
		a := s.access
		if !match(req.ExtensionID, a.ExtensionID) || !match(req.Product, a.Product) ||
			!match(req.Version, a.Version) || !match(req.Zone, a.Zone) ||
			!match(req.ServiceID, a.ServiceID) || !match(req.ServiceResource, a.ServiceResource) ||
			!match(req.ServiceCategory, a.ServiceCategory) || !match(req.EndpointType, a.EndpointType) {
			continue
		}
		if len(s.credentials) == 0 {
			return a, true
		}
		for _, cr := range s.credentials {
			if (len(cr.projects) == 0 || contains(cr.projects, c.Project)) && (len(cr.users) == 0 || contains(cr.users, c.User)) {
				a.CredentialsID = cr.id
				a.Credentials = cr.entries
				return a, true
			}
		}
	}
	return Access{}, false
}

// Fake credentials of the example registry; tests look for them in compiled output.
const (
	exampleAccessKey  = "AKIAFAKEEXAMPLE7Q2X"
	exampleSecretKey  = "fake/Secret+Key/wJalrXUtnFEMI/K7MDENG"
	exampleToken      = "fake-registry-token-3f9c2a"
	exampleTeamSecret = "fake-team-secret-8d1e"
)

// exampleRegistry holds FuseML's example extensions: an MLflow tracking server with its
// MinIO artifact store (which needs credentials), Seldon Core, the registry itself, and a
// second S3 store whose credentials only fit the project "alpha".
func exampleRegistry() *staticResolver {
	return &staticResolver{services: []staticService{
		{access: Access{
			ExtensionID: "mlflow", Product: "mlflow", Version: "2.16.2", Zone: "local",
			ServiceID: "mlflow-tracking", ServiceResource: "mlflow-tracking", ServiceCategory: "experiment-tracking",
			EndpointURL: "http://mlflow.mlflow", EndpointType: "internal",
			Config: map[string]string{"MLFLOW_TRACKING_URI": "http://mlflow.mlflow"},
		}},
		{
			access: Access{
				ExtensionID: "mlflow", Product: "mlflow", Version: "2.16.2", Zone: "local",
				ServiceID: "mlflow-store", ServiceResource: "s3", ServiceCategory: "model-store",
				EndpointURL: "http://mlflow-minio.mlflow:9000", EndpointType: "internal",
				Config: map[string]string{
					"MLFLOW_S3_ENDPOINT_URL": "http://mlflow-minio.mlflow:9000",
					"AWS_DEFAULT_REGION":     "us-east-1",
				},
			},
			credentials: []staticCredentials{{id: "default-s3-account", entries: map[string]string{
				"AWS_ACCESS_KEY_ID":     exampleAccessKey,
				"AWS_SECRET_ACCESS_KEY": exampleSecretKey,
			}}},
		},
		{access: Access{
			ExtensionID: "seldon-core", Product: "seldon-core", Version: "1.18.2", Zone: "local",
			ServiceID: "seldon-core-api", ServiceResource: "seldon-core-api", ServiceCategory: "prediction-serving",
			EndpointURL: "https://kubernetes.default.svc", EndpointType: "internal",
		}},
		{
			access: Access{
				ExtensionID: "fuseml-registry", Product: "fuseml", Version: "0.1.0", Zone: "local",
				ServiceID: "registry", ServiceResource: "fuseml-registry", ServiceCategory: "registry",
				EndpointURL: "http://fuseml-core.fuseml-core.svc.cluster.local", EndpointType: "internal",
				Config: map[string]string{"FUSEML_SERVER_URL": "http://fuseml-core.fuseml-core.svc.cluster.local"},
			},
			credentials: []staticCredentials{{id: "seldon-core-predictor", entries: map[string]string{
				"FUSEML_TOKEN": exampleToken,
			}}},
		},
		{
			access: Access{
				ExtensionID: "team-store", Product: "minio", Version: "2024.1.1", Zone: "local",
				ServiceID: "s3", ServiceResource: "team-s3", ServiceCategory: "model-store",
				EndpointURL: "http://team-minio.alpha:9000", EndpointType: "internal",
			},
			credentials: []staticCredentials{{id: "alpha-only", projects: []string{"alpha"}, entries: map[string]string{
				"AWS_SECRET_ACCESS_KEY": exampleTeamSecret,
			}}},
		},
	}}
}

// exampleSecrets are every credential value of exampleRegistry.
var exampleSecrets = []string{exampleAccessKey, exampleSecretKey, exampleToken, exampleTeamSecret}
