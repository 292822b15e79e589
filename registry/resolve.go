package registry

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/Masterminds/semver/v3"
)

// Requirement is one extension that a workflow step needs.
type Requirement struct {
	// Name names the requirement in the answer and in errors.
	Name            string `json:"name"`
	ExtensionID     string `json:"extension_id,omitempty"`
	Product         string `json:"product,omitempty"`
	Version         string `json:"version,omitempty"`
	Zone            string `json:"zone,omitempty"`
	StrictZone      bool   `json:"strict_zone,omitempty"`
	ServiceID       string `json:"service_id,omitempty"`
	ServiceResource string `json:"service_resource,omitempty"`
	ServiceCategory string `json:"service_category,omitempty"`
	EndpointType    string `json:"endpoint_type,omitempty"`
}

// Consumer is who will use the resolved extensions.
type Consumer struct {
	Project string `json:"project,omitempty"`
	User    string `json:"user,omitempty"`
	Zone    string `json:"zone,omitempty"`
}

// ResolveRequest is the body of POST /extensions/resolve.
type ResolveRequest struct {
	Consumer     Consumer      `json:"consumer"`
	Requirements []Requirement `json:"requirements"`
}

// Access is the access descriptor of one requirement: the extension, service, endpoint
// and credentials chosen, and the environment they yield.
type Access struct {
	Name        string            `json:"name"`
	Extension   Extension         `json:"extension"`
	Service     Service           `json:"service"`
	Endpoint    Endpoint          `json:"endpoint"`
	Credentials *Credentials      `json:"credentials,omitempty"`
	Env         map[string]string `json:"env"`
}

// Resolution answers a ResolveRequest: one access per requirement, in order, and their
// environments merged (later requirements win).
type Resolution struct {
	Accesses []Access          `json:"accesses"`
	Env      map[string]string `json:"env"`
}

// Query turns the requirement and its consumer into a registry query. The
// requirement's zone, when given, overrides the consumer's.
func (r Requirement) Query(c Consumer) Query {
	zone := r.Zone
	if zone == "" {
		zone = c.Zone
	}
	return Query{
		ExtensionID: r.ExtensionID, Product: r.Product, Version: r.Version, CredentialsScope: c.scope(),
		Zone: zone, StrictZone: r.StrictZone,
		ServiceID: r.ServiceID, ServiceResource: r.ServiceResource, ServiceCategory: r.ServiceCategory,
		EndpointType: r.EndpointType, User: c.User, Project: c.Project,
	}
}

// Validate checks the request: at least one requirement, each named once, and valid
// enumerated fields.
func (r ResolveRequest) Validate() error {
	if len(r.Requirements) == 0 {
		return &ValidationError{Field: "requirements", Reason: "must list at least one requirement"}
	}
	names := map[string]bool{}
	for i, req := range r.Requirements {
		field := fmt.Sprintf("requirements[%d]", i)
		if req.Name == "" {
			return &ValidationError{Field: field + ".name", Reason: "must not be empty"}
		}
		if names[req.Name] {
			return &ValidationError{Field: field + ".name", Reason: fmt.Sprintf("requirement %q is listed twice", req.Name)}
		}
		names[req.Name] = true
		if err := req.Query(r.Consumer).Validate(); err != nil {
			if ve, ok := err.(*ValidationError); ok && ve.Field == "type" {
				return &ValidationError{Field: field + ".endpoint_type", Reason: ve.Reason}
			}
			return invalidAt(field, err)
		}
	}
	return nil
}

// Finder runs a query over the registry's extensions (Filter applied).
type Finder interface {
	ListExtensions(ctx context.Context, q Query) ([]Extension, error)
}

// Resolve resolves every requirement of the request through finder, or fails with an
// *UnresolvedError naming the first requirement that nothing satisfies.
func Resolve(ctx context.Context, finder Finder, req ResolveRequest) (Resolution, error) {
	if err := req.Validate(); err != nil {
		return Resolution{}, err
	}
	res := Resolution{Accesses: make([]Access, 0, len(req.Requirements)), Env: map[string]string{}}
	for _, r := range req.Requirements {
		q := r.Query(req.Consumer)
		exts, err := finder.ListExtensions(ctx, q)
		if err != nil {
			return Resolution{}, fmt.Errorf("resolving requirement %q: %w", r.Name, err)
		}
		a, err := Choose(r.Name, q, exts)
		if err != nil {
			return Resolution{}, err
		}
		res.Accesses = append(res.Accesses, a)
		maps.Copy(res.Env, a.Env)
	}
	return res, nil
}

// Choose picks one access among extensions already filtered by q, by these rules:
//  1. extensions in the consumer's zone before the others;
//  2. then the highest semantic version (versions that do not parse come last);
//  3. then the extension id, then the service id;
//  4. the endpoint: internal before external where both are allowed, then by URL;
//  5. the credentials: among those that fit, user-scoped before project-scoped before
//     global, then `default` ones first, then by id. A service that does not require
//     authentication is chosen with the best fitting credentials if any, without
//     credentials otherwise.
func Choose(name string, q Query, exts []Extension) (Access, error) {
	if len(exts) == 0 {
		return Access{}, &UnresolvedError{Requirement: name, Reason: "no extension matches (product, version, zone, service, endpoint type and credentials for the consumer)"}
	}
	versions := make(map[string]*semver.Version, len(exts))
	for _, e := range exts {
		if v := parseVersion(e.Version); v != nil {
			versions[e.Version] = v
		}
	}
	// sort positions, not the (large) extension values
	order := make([]int, len(exts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := &exts[i], &exts[j]
		if q.Zone != "" && (a.Zone == q.Zone) != (b.Zone == q.Zone) {
			if a.Zone == q.Zone {
				return -1
			}
			return 1
		}
		if c := compareVersionsDesc(versions, a.Version, b.Version); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, i := range order {
		e := exts[i]
		services := slices.Clone(e.Services)
		slices.SortFunc(services, func(a, b Service) int { return cmp.Compare(a.ID, b.ID) })
		for _, s := range services {
			if len(s.Endpoints) == 0 {
				continue
			}
			creds := bestCredentials(s.Credentials)
			if s.AuthRequired && creds == nil {
				continue
			}
			ep := bestEndpoint(s.Endpoints)
			a := Access{Name: name, Extension: e, Service: s, Endpoint: ep, Credentials: creds}
			a.Extension.Services = nil
			a.Service.Endpoints, a.Service.Credentials = nil, nil
			a.Env = Environment(a)
			return a, nil
		}
	}
	return Access{}, &UnresolvedError{Requirement: name, Reason: "no service of the matching extensions has a usable endpoint and fitting credentials"}
}

// Environment merges the configuration of the access's extension, service, endpoint
// and credentials, in that order, later entries winning.
func Environment(a Access) map[string]string {
	env := map[string]string{}
	maps.Copy(env, a.Extension.Configuration)
	maps.Copy(env, a.Service.Configuration)
	maps.Copy(env, a.Endpoint.Configuration)
	if a.Credentials != nil {
		maps.Copy(env, a.Credentials.Configuration)
	}
	return env
}

// parsed versions and constraints are kept (bounded) across queries: the same few
// strings come back for every request.
var (
	versionMemo    memo[*semver.Version]
	constraintMemo memo[*semver.Constraints]
)

type memo[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

func (m *memo[T]) get(key string, parse func(string) (T, error)) T {
	m.mu.Lock()
	v, ok := m.m[key]
	m.mu.Unlock()
	if ok {
		return v
	}
	v, _ = parse(key) // a failed parse is kept too, as the zero value
	m.mu.Lock()
	if m.m == nil || len(m.m) >= 4096 {
		m.m = map[string]T{}
	}
	m.m[key] = v
	m.mu.Unlock()
	return v
}

// parseVersion returns the semantic version, or nil when s is not one.
func parseVersion(s string) *semver.Version {
	return versionMemo.get(s, semver.NewVersion)
}

// parseConstraint returns the constraint, or nil when s is not one.
func parseConstraint(s string) *semver.Constraints {
	return constraintMemo.get(s, semver.NewConstraint)
}

// compareVersionsDesc orders parsed versions highest first, then the unparsed ones.
func compareVersionsDesc(parsed map[string]*semver.Version, a, b string) int {
	va, vb := parsed[a], parsed[b]
	switch {
	case va == nil && vb == nil:
		return cmp.Compare(a, b)
	case va == nil:
		return 1
	case vb == nil:
		return -1
	}
	return vb.Compare(va)
}

func bestEndpoint(eps []Endpoint) Endpoint {
	return slices.MinFunc(eps, func(a, b Endpoint) int {
		if a.Type != b.Type {
			if a.Type == EndpointInternal {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.URL, b.URL)
	})
}

var scopeRank = map[string]int{ScopeUser: 0, ScopeProject: 1, ScopeGlobal: 2}

func bestCredentials(creds []Credentials) *Credentials {
	if len(creds) == 0 {
		return nil
	}
	c := slices.MinFunc(creds, func(a, b Credentials) int {
		if r := cmp.Compare(scopeRank[a.Scope], scopeRank[b.Scope]); r != 0 {
			return r
		}
		if a.Default != b.Default {
			if a.Default {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return &c
}

// scope is the credentials scope a consumer resolves with: user when it names a user,
// project when it names only a project, global otherwise (never every set).
func (c Consumer) scope() string {
	switch {
	case c.User != "":
		return ScopeUser
	case c.Project != "":
		return ScopeProject
	}
	return ScopeGlobal
}
