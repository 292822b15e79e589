package registry

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// MaxIDLength is the longest identifier accepted.
const MaxIDLength = 100

// MaxHistory is how many history entries an application keeps.
const MaxHistory = 32

var (
	idPattern        = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	configKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)
)

// ValidateID checks a given identifier: lowercase letters, digits and '-', starting
// and ending with a letter or digit, at most MaxIDLength characters.
func ValidateID(field, id string) error {
	switch {
	case id == "":
		return &ValidationError{Field: field, Reason: "must not be empty"}
	case len(id) > MaxIDLength:
		return &ValidationError{Field: field, Reason: fmt.Sprintf("longer than %d characters", MaxIDLength)}
	case !idPattern.MatchString(id):
		return &ValidationError{Field: field, Reason: "only lowercase letters, digits and '-' are allowed, starting and ending with a letter or digit"}
	}
	return nil
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewID returns a FuseML-style identifier: a readable prefix (reduced to the allowed
// characters) followed by '-' and eight random lowercase letters and digits.
func NewID(prefix string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(prefix) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	p := strings.Trim(b.String(), "-")
	if len(p) > MaxIDLength-9 {
		p = strings.TrimRight(p[:MaxIDLength-9], "-")
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	suffix := make([]byte, len(rnd))
	for i, c := range rnd {
		suffix[i] = idAlphabet[int(c)%len(idAlphabet)]
	}
	if p == "" {
		return string(suffix)
	}
	return p + "-" + string(suffix)
}

// ValidateURL checks an absolute URL with a scheme and a host.
func ValidateURL(field, raw string) error {
	if raw == "" {
		return &ValidationError{Field: field, Reason: "must not be empty"}
	}
	if len(raw) > 2000 {
		return &ValidationError{Field: field, Reason: "longer than 2000 characters"}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return &ValidationError{Field: field, Reason: "must be an absolute URL with a scheme and a host"}
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return &ValidationError{Field: field, Reason: "must not hold a password: register it as credentials"}
	}
	return nil
}

func validateConfig(field string, cfg map[string]string) error {
	for k := range cfg {
		if !configKeyPattern.MatchString(k) || len(k) > 200 {
			return &ValidationError{Field: field, Reason: fmt.Sprintf("key %q: only letters, digits, '_', '.' and '-' are allowed", k)}
		}
	}
	return nil
}

func validateText(field, s string, max int) error {
	if len(s) > max {
		return &ValidationError{Field: field, Reason: fmt.Sprintf("longer than %d characters", max)}
	}
	return nil
}

// Prepare fills the identifiers that were not given (extension, services, credentials)
// and the parent references of the whole tree, then validates it.
func (e *Extension) Prepare() error {
	if e.ID == "" {
		e.ID = NewID(e.Product)
	}
	for i := range e.Services {
		e.Services[i].ExtensionID = e.ID
		if err := e.Services[i].prepare(e.Product); err != nil {
			return invalidAt(fmt.Sprintf("services[%d]", i), err)
		}
	}
	return e.Validate()
}

// Validate checks the extension's own fields and its whole tree.
func (e *Extension) Validate() error {
	if err := ValidateID("id", e.ID); err != nil {
		return err
	}
	for _, c := range []struct {
		field, value string
		max          int
	}{{"product", e.Product, 100}, {"version", e.Version, 100}, {"zone", e.Zone, 100}, {"description", e.Description, 1000}} {
		if err := validateText(c.field, c.value, c.max); err != nil {
			return err
		}
	}
	if err := validateConfig("configuration", e.Configuration); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range e.Services {
		s := &e.Services[i]
		field := fmt.Sprintf("services[%d]", i)
		if err := s.Validate(); err != nil {
			return invalidAt(field, err)
		}
		if seen[s.ID] {
			return &ValidationError{Field: field + ".id", Reason: fmt.Sprintf("service %q is listed twice", s.ID)}
		}
		seen[s.ID] = true
	}
	return nil
}

// Prepare fills the service's missing identifiers (its own and its credentials') and
// the parent references of its endpoints and credentials, then validates it.
func (s *Service) Prepare(product string) error {
	if err := s.prepare(product); err != nil {
		return err
	}
	return s.Validate()
}

func (s *Service) prepare(product string) error {
	if s.ID == "" {
		prefix := s.Resource
		if prefix == "" && product != "" {
			prefix = product + "-service"
		}
		s.ID = NewID(prefix)
	}
	for i := range s.Endpoints {
		s.Endpoints[i].ExtensionID, s.Endpoints[i].ServiceID = s.ExtensionID, s.ID
	}
	for i := range s.Credentials {
		c := &s.Credentials[i]
		c.ExtensionID, c.ServiceID = s.ExtensionID, s.ID
		c.Prepare(s.Resource)
	}
	return nil
}

// Validate checks the service's own fields and its endpoints and credentials.
func (s *Service) Validate() error {
	if err := ValidateID("id", s.ID); err != nil {
		return err
	}
	for _, c := range []struct {
		field, value string
		max          int
	}{{"resource", s.Resource, 100}, {"category", s.Category, 100}, {"description", s.Description, 1000}} {
		if err := validateText(c.field, c.value, c.max); err != nil {
			return err
		}
	}
	if err := validateConfig("configuration", s.Configuration); err != nil {
		return err
	}
	urls := map[string]bool{}
	for i := range s.Endpoints {
		field := fmt.Sprintf("endpoints[%d]", i)
		if err := s.Endpoints[i].Validate(); err != nil {
			return invalidAt(field, err)
		}
		if urls[s.Endpoints[i].URL] {
			return &ValidationError{Field: field + ".url", Reason: "endpoint is listed twice"}
		}
		urls[s.Endpoints[i].URL] = true
	}
	ids := map[string]bool{}
	for i := range s.Credentials {
		field := fmt.Sprintf("credentials[%d]", i)
		if err := s.Credentials[i].Validate(); err != nil {
			return invalidAt(field, err)
		}
		if ids[s.Credentials[i].ID] {
			return &ValidationError{Field: field + ".id", Reason: "credentials are listed twice"}
		}
		ids[s.Credentials[i].ID] = true
	}
	return nil
}

// Prepare fills the endpoint's default type (external) and validates it.
func (p *Endpoint) Prepare() error {
	if p.Type == "" {
		p.Type = EndpointExternal
	}
	return p.Validate()
}

// Validate checks the endpoint's URL, type and configuration.
func (p *Endpoint) Validate() error {
	if p.Type == "" {
		p.Type = EndpointExternal
	}
	if err := ValidateURL("url", p.URL); err != nil {
		return err
	}
	if p.Type != EndpointInternal && p.Type != EndpointExternal {
		return &ValidationError{Field: "type", Reason: "must be internal or external"}
	}
	return validateConfig("configuration", p.Configuration)
}

// Prepare fills the credentials' missing identifier (prefixed with the service's
// resource) and default scope (global).
func (c *Credentials) Prepare(resource string) {
	if c.ID == "" {
		if resource == "" {
			resource = "creds"
		}
		c.ID = NewID(resource)
	}
	if c.Scope == "" {
		c.Scope = ScopeGlobal
	}
}

// Validate checks the credentials' identifier, scope, lists and configuration.
func (c *Credentials) Validate() error {
	if err := ValidateID("id", c.ID); err != nil {
		return err
	}
	switch c.Scope {
	case ScopeGlobal:
	case ScopeProject:
		if len(c.Projects) == 0 {
			return &ValidationError{Field: "projects", Reason: "project-scoped credentials must list their projects"}
		}
	case ScopeUser:
		if len(c.Users) == 0 {
			return &ValidationError{Field: "users", Reason: "user-scoped credentials must list their users"}
		}
	default:
		return &ValidationError{Field: "scope", Reason: "must be global, project or user"}
	}
	for i, p := range c.Projects {
		if p == "" || len(p) > 100 {
			return &ValidationError{Field: fmt.Sprintf("projects[%d]", i), Reason: "must be 1 to 100 characters"}
		}
	}
	for i, u := range c.Users {
		if u == "" || len(u) > 100 {
			return &ValidationError{Field: fmt.Sprintf("users[%d]", i), Reason: "must be 1 to 100 characters"}
		}
	}
	return validateConfig("configuration", c.Configuration)
}

// Validate checks an application record: name (an identifier, also a Kubernetes name),
// type, workflow, namespace, URL when given, resources and status.
func (a *Application) Validate() error {
	if err := ValidateID("name", a.Name); err != nil {
		return err
	}
	if len(a.Name) > 63 {
		return &ValidationError{Field: "name", Reason: "longer than 63 characters (it names Kubernetes objects)"}
	}
	for _, c := range []struct{ field, value string }{{"type", a.Type}, {"workflow", a.Workflow}, {"k8s_namespace", a.K8sNamespace}} {
		if c.value == "" {
			return &ValidationError{Field: c.field, Reason: "must not be empty"}
		}
		if err := validateText(c.field, c.value, 253); err != nil {
			return err
		}
	}
	if err := validateText("description", a.Description, 1000); err != nil {
		return err
	}
	if a.URL != "" {
		if err := ValidateURL("url", a.URL); err != nil {
			return err
		}
	}
	for i, r := range a.K8sResources {
		if r.Kind == "" {
			return &ValidationError{Field: fmt.Sprintf("k8s_resources[%d].kind", i), Reason: "must not be empty"}
		}
		if r.Name == "" {
			return &ValidationError{Field: fmt.Sprintf("k8s_resources[%d].name", i), Reason: "must not be empty"}
		}
	}
	if a.Status != nil {
		switch a.Status.State {
		case StateDeploying, StateReady, StateFailed, "":
		default:
			return &ValidationError{Field: "status.state", Reason: "must be deploying, ready or failed"}
		}
	}
	return nil
}
