package registry

import (
	"slices"
)

// Query selects extensions, and within them services, endpoints and credentials, by
// FuseML's rules. Empty fields match everything.
type Query struct {
	// ExtensionID matches one extension.
	ExtensionID string `json:"extension_id,omitempty"`
	// Product matches the extension's product exactly.
	Product string `json:"product,omitempty"`
	// Version is an exact version or a semantic-version constraint (">=1.1, <2.5").
	Version string `json:"version,omitempty"`
	// Zone is the consumer's zone: extensions in it offer internal and external
	// endpoints, extensions elsewhere only external ones.
	Zone string `json:"zone,omitempty"`
	// StrictZone keeps only the extensions in Zone.
	StrictZone bool `json:"strict_zone,omitempty"`
	// ServiceID, ServiceResource and ServiceCategory match services.
	ServiceID       string `json:"service_id,omitempty"`
	ServiceResource string `json:"service_resource,omitempty"`
	ServiceCategory string `json:"service_category,omitempty"`
	// EndpointType keeps only internal or only external endpoints (and overrides the
	// zone rule for endpoints).
	EndpointType string `json:"type,omitempty"`
	// CredentialsScope is the broadest scope the consumer asks for: global keeps global
	// credentials, project adds the project's, user adds the user's. Empty means user
	// when User is set, project when only Project is set.
	CredentialsScope string `json:"credentials_scope,omitempty"`
	// User and Project identify the consumer for credentials.
	User    string `json:"user,omitempty"`
	Project string `json:"project,omitempty"`
}

// prunes reports whether the query selects below the extension level; when it does
// not, extensions are listed whole.
func (q Query) prunes() bool {
	return q.ServiceID != "" || q.ServiceResource != "" || q.ServiceCategory != "" ||
		q.EndpointType != "" || q.Zone != "" || q.CredentialsScope != "" || q.User != "" || q.Project != ""
}

// VersionMatches reports whether version equals want or satisfies it as a
// semantic-version constraint. An empty want matches everything; a version or a
// constraint that does not parse matches only by equality.
func VersionMatches(version, want string) bool {
	return versionMatcher(want)(version)
}

// versionMatcher parses the constraint once for many versions.
func versionMatcher(want string) func(version string) bool {
	if want == "" {
		return func(string) bool { return true }
	}
	c := parseConstraint(want)
	return func(version string) bool {
		if version == want {
			return true
		}
		if c == nil {
			return false
		}
		v := parseVersion(version)
		return v != nil && c.Check(v)
	}
}

// MatchesExtension applies the extension-level rules (id, product, version, strict zone).
func (q Query) MatchesExtension(e Extension) bool {
	return q.matchesExtension(e, versionMatcher(q.Version))
}

func (q Query) matchesExtension(e Extension, version func(string) bool) bool {
	return (q.ExtensionID == "" || q.ExtensionID == e.ID) &&
		(q.Product == "" || q.Product == e.Product) &&
		(!q.StrictZone || q.Zone == "" || q.Zone == e.Zone) &&
		version(e.Version)
}

// MatchesService applies the service-level rules (id, resource, category).
func (q Query) MatchesService(s Service) bool {
	return (q.ServiceID == "" || q.ServiceID == s.ID) &&
		(q.ServiceResource == "" || q.ServiceResource == s.Resource) &&
		(q.ServiceCategory == "" || q.ServiceCategory == s.Category)
}

// EndpointAllowed applies the endpoint rules: an explicit type must match; otherwise,
// with a zone, internal endpoints are offered only by extensions in that zone.
func (q Query) EndpointAllowed(extZone string, p Endpoint) bool {
	if q.EndpointType != "" {
		return p.Type == q.EndpointType
	}
	if q.Zone != "" && q.Zone != extZone {
		return p.Type != EndpointInternal
	}
	return true
}

// scope returns the effective credentials scope of the query.
func (q Query) scope() string {
	switch {
	case q.CredentialsScope != "":
		return q.CredentialsScope
	case q.User != "":
		return ScopeUser
	case q.Project != "":
		return ScopeProject
	}
	return ""
}

// CredentialsFit reports whether the credentials fit the query's consumer: global
// credentials fit anyone, project credentials fit their projects, user credentials fit
// their users (and only in their projects, where they list any). With no consumer and
// no scope every set fits (an administrator's listing).
func (q Query) CredentialsFit(c Credentials) bool {
	scope := q.scope()
	switch scope {
	case "":
		return true
	case ScopeGlobal:
		return c.Scope == ScopeGlobal
	case ScopeProject:
		switch c.Scope {
		case ScopeGlobal:
			return true
		case ScopeProject:
			return slices.Contains(c.Projects, q.Project)
		}
		return false
	case ScopeUser:
		switch c.Scope {
		case ScopeGlobal:
			return true
		case ScopeProject:
			return slices.Contains(c.Projects, q.Project)
		case ScopeUser:
			return slices.Contains(c.Users, q.User) && (len(c.Projects) == 0 || slices.Contains(c.Projects, q.Project))
		}
	}
	return false
}

// Filter applies the query to a set of extensions (complete trees) and returns those
// that match, each pruned to the services, endpoints and credentials that match: a
// service is kept when at least one endpoint is allowed and, if it requires
// authentication, at least one set of credentials fits; an extension is kept when at
// least one service is. A query without service, endpoint, zone or consumer filters
// lists the matching extensions whole.
func Filter(exts []Extension, q Query) []Extension {
	out := make([]Extension, 0, len(exts))
	prune := q.prunes()
	version := versionMatcher(q.Version)
	for _, e := range exts {
		if !q.matchesExtension(e, version) {
			continue
		}
		if !prune {
			out = append(out, e)
			continue
		}
		var services []Service
		for _, s := range e.Services {
			if !q.MatchesService(s) {
				continue
			}
			var eps []Endpoint
			for _, p := range s.Endpoints {
				if q.EndpointAllowed(e.Zone, p) {
					eps = append(eps, p)
				}
			}
			if len(eps) == 0 {
				continue
			}
			var creds []Credentials
			for _, c := range s.Credentials {
				if q.CredentialsFit(c) {
					creds = append(creds, c)
				}
			}
			if s.AuthRequired && len(creds) == 0 {
				continue
			}
			s.Endpoints, s.Credentials = eps, creds
			services = append(services, s)
		}
		if len(services) == 0 {
			continue
		}
		e.Services = services
		out = append(out, e)
	}
	return out
}

// Validate checks the query's enumerated fields.
func (q Query) Validate() error {
	switch q.EndpointType {
	case "", EndpointInternal, EndpointExternal:
	default:
		return &ValidationError{Field: "type", Reason: "must be internal or external"}
	}
	switch q.CredentialsScope {
	case "", ScopeGlobal, ScopeProject, ScopeUser:
	default:
		return &ValidationError{Field: "credentials_scope", Reason: "must be global, project or user"}
	}
	if q.ExtensionID != "" {
		if err := ValidateID("extension_id", q.ExtensionID); err != nil {
			return err
		}
	}
	return nil
}
