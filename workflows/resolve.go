package workflows

import "context"

// Resolver resolves a step's extension requirements for a consumer, the way the
// registry's resolve does. It returns one Access per requirement, in order; when no
// registered extension satisfies a requirement, its error wraps ErrUnsatisfied.
type Resolver interface {
	Resolve(ctx context.Context, consumer Consumer, reqs []Requirement) ([]Access, error)
}

// Consumer is who a workflow runs for: credentials are chosen for this project and user.
type Consumer struct {
	Project string
	User    string
	// Zone is where the workflow runs; extensions in other zones offer only their
	// external endpoints. Empty means any zone.
	Zone string
}

// Requirement selects an extension service. Empty fields match anything.
type Requirement struct {
	// Name is the step's name for the requirement; it is not matched.
	Name        string
	ExtensionID string
	Product     string
	// Version is an exact version or a semantic-version constraint.
	Version         string
	Zone            string
	ServiceID       string
	ServiceResource string
	ServiceCategory string
	// EndpointType is "internal", "external", or empty for the registry's choice.
	EndpointType string
}

// Access is what a requirement resolved to: one extension service, one of its endpoints
// and, where the service requires them, the credentials that fit the consumer.
type Access struct {
	ExtensionID     string
	Product         string
	Version         string
	Zone            string
	ServiceID       string
	ServiceResource string
	ServiceCategory string
	EndpointURL     string
	EndpointType    string
	// CredentialsID identifies the credentials used; empty when there are none.
	CredentialsID string
	// Config holds the plain configuration entries of the extension, service and
	// endpoint: they become environment variables of the step.
	Config map[string]string
	// Credentials holds the credentials' entries: they reach the step only through a
	// Kubernetes Secret.
	Credentials map[string]string
}

// Requirement is the selector that a requirement in the workflow asks the registry for.
func (e ExtensionRequirement) Requirement() Requirement {
	return Requirement{
		Name:            e.Name,
		ExtensionID:     e.ExtensionID,
		Product:         e.Product,
		Version:         e.Version,
		Zone:            e.Zone,
		ServiceID:       e.ServiceID,
		ServiceResource: e.ServiceResource,
		ServiceCategory: e.ServiceCategory,
		EndpointType:    e.EndpointType,
	}
}

// field is the value of an extension field that expressions can read.
func (a Access) field(name string) string {
	switch name {
	case "url":
		return a.EndpointURL
	case "product":
		return a.Product
	case "version":
		return a.Version
	case "zone":
		return a.Zone
	case "service_resource":
		return a.ServiceResource
	case "service_category":
		return a.ServiceCategory
	}
	return ""
}
