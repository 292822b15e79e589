package registry

import "time"

// EndpointType says from where an endpoint can be reached.
const (
	// EndpointInternal endpoints are reachable only from the extension's own zone.
	EndpointInternal = "internal"
	// EndpointExternal endpoints are reachable from anywhere.
	EndpointExternal = "external"
)

// Credentials scopes.
const (
	// ScopeGlobal credentials fit every consumer.
	ScopeGlobal = "global"
	// ScopeProject credentials fit consumers working in one of their projects.
	ScopeProject = "project"
	// ScopeUser credentials fit their users, and only in their projects where they list any.
	ScopeUser = "user"
)

// Application states.
const (
	StateDeploying = "deploying"
	StateReady     = "ready"
	StateFailed    = "failed"
)

// Redacted replaces every credentials configuration value in responses.
const Redacted = "***"

// Extension is an installed tool that workflows can use (FuseML's extension descriptor).
type Extension struct {
	ID            string            `json:"id,omitempty"`
	Product       string            `json:"product,omitempty"`
	Version       string            `json:"version,omitempty"`
	Description   string            `json:"description,omitempty"`
	Zone          string            `json:"zone,omitempty"`
	Configuration map[string]string `json:"configuration,omitempty"`
	Status        *Status           `json:"status,omitempty"`
	Services      []Service         `json:"services,omitempty"`
}

// Status holds registration times.
type Status struct {
	Registered time.Time `json:"registered,omitzero"`
	Updated    time.Time `json:"updated,omitzero"`
}

// Service is one API or protocol that an extension offers.
type Service struct {
	ID            string            `json:"id,omitempty"`
	ExtensionID   string            `json:"extension_id,omitempty"`
	Resource      string            `json:"resource,omitempty"`
	Category      string            `json:"category,omitempty"`
	AuthRequired  bool              `json:"auth_required,omitempty"`
	Description   string            `json:"description,omitempty"`
	Configuration map[string]string `json:"configuration,omitempty"`
	Status        *Status           `json:"status,omitempty"`
	Endpoints     []Endpoint        `json:"endpoints,omitempty"`
	Credentials   []Credentials     `json:"credentials,omitempty"`
}

// Endpoint is a URL through which a service is reached; the URL identifies it within
// its service.
type Endpoint struct {
	URL           string            `json:"url"`
	ExtensionID   string            `json:"extension_id,omitempty"`
	ServiceID     string            `json:"service_id,omitempty"`
	Type          string            `json:"type,omitempty"`
	Configuration map[string]string `json:"configuration,omitempty"`
}

// Credentials are the secrets (configuration) that some consumers may use to access a
// service.
type Credentials struct {
	ID            string             `json:"id,omitempty"`
	ExtensionID   string             `json:"extension_id,omitempty"`
	ServiceID     string             `json:"service_id,omitempty"`
	Default       bool               `json:"default,omitempty"`
	Scope         string             `json:"scope,omitempty"`
	Projects      []string           `json:"projects,omitempty"`
	Users         []string           `json:"users,omitempty"`
	Configuration map[string]string  `json:"configuration,omitempty"`
	Status        *CredentialsStatus `json:"status,omitempty"`
}

// CredentialsStatus holds the credentials' times.
type CredentialsStatus struct {
	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// Application is a running service that a workflow created (FuseML's application
// record, plus the model, the predictor, a status and a history).
type Application struct {
	Name         string               `json:"name"`
	Type         string               `json:"type"`
	Description  string               `json:"description,omitempty"`
	URL          string               `json:"url,omitempty"`
	Workflow     string               `json:"workflow"`
	K8sNamespace string               `json:"k8s_namespace"`
	K8sResources []KubernetesResource `json:"k8s_resources,omitempty"`
	Model        string               `json:"model,omitempty"`
	Predictor    string               `json:"predictor,omitempty"`
	Status       *ApplicationStatus   `json:"status,omitempty"`
	History      []HistoryEntry       `json:"history,omitempty"`
}

// KubernetesResource names one Kubernetes object of an application.
type KubernetesResource struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// ApplicationStatus is where the application's deployment stands.
type ApplicationStatus struct {
	// State is deploying, ready or failed.
	State   string    `json:"state"`
	Message string    `json:"message,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
}

// HistoryEntry records one registration that changed the application's URL or model.
type HistoryEntry struct {
	Time      time.Time `json:"time"`
	Workflow  string    `json:"workflow"`
	URL       string    `json:"url,omitempty"`
	Model     string    `json:"model,omitempty"`
	Predictor string    `json:"predictor,omitempty"`
}

// ApplicationFilter selects applications in a list; empty fields match all.
type ApplicationFilter struct {
	Type     string
	Workflow string
}

// Match reports whether the application passes the filter.
func (f ApplicationFilter) Match(a Application) bool {
	return (f.Type == "" || f.Type == a.Type) && (f.Workflow == "" || f.Workflow == a.Workflow)
}

// ApplicationDeletion is the body of DELETE /applications/{name} when the server could
// not delete the application's Kubernetes objects (with cluster access the answer is
// 204 and no body).
type ApplicationDeletion struct {
	Name string `json:"name"`
	// KubernetesDeleted is false when only the record was deleted.
	KubernetesDeleted bool                 `json:"kubernetes_deleted"`
	Message           string               `json:"message,omitempty"`
	K8sNamespace      string               `json:"k8s_namespace,omitempty"`
	K8sResources      []KubernetesResource `json:"k8s_resources,omitempty"`
}
