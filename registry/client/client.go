package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// Config configures a Client.
type Config struct {
	// URL is the registry's base URL, e.g. http://fuseml-registry.fuseml-core:8080.
	URL string
	// Token is the bearer token.
	Token string
	// HTTPClient is the underlying client (a pooled one when nil).
	HTTPClient *http.Client
	// RetryMax is how many times a request is retried (default 4; negative: none).
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the backoff (defaults 200ms and 5s).
	RetryWaitMin, RetryWaitMax time.Duration
	// RetryFor, when positive, replaces RetryMax: a request is retried with backoff
	// until this long has passed since it was first sent (the last wait may end up to
	// RetryWaitMax later), so that a registry restarting for a while is waited for.
	RetryFor time.Duration
}

// Client calls the registry.
type Client struct {
	base     *url.URL
	token    string
	http     *retryablehttp.Client
	retryFor time.Duration
}

// attempts follows one call through its retries (in the request's context).
type attempts struct {
	began time.Time
	n     int
	// budget is the client's RetryFor.
	budget time.Duration
}

type attemptsKey struct{}

// New returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		return nil, ErrNoURL
	}
	base, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("registry URL %q: want scheme://host[:port]", RedactURL(cfg.URL))
	}
	rc := retryablehttp.NewClient()
	rc.Logger = nil
	if cfg.HTTPClient != nil {
		rc.HTTPClient = cfg.HTTPClient
	}
	switch {
	case cfg.RetryFor > 0:
		rc.RetryMax = math.MaxInt32 // checkRetry ends the retries
	case cfg.RetryMax < 0:
		rc.RetryMax = 0
	case cfg.RetryMax == 0:
		rc.RetryMax = 4
	default:
		rc.RetryMax = cfg.RetryMax
	}
	rc.RetryWaitMin, rc.RetryWaitMax = 200*time.Millisecond, 5*time.Second
	if cfg.RetryWaitMin > 0 {
		rc.RetryWaitMin = cfg.RetryWaitMin
	}
	if cfg.RetryWaitMax > 0 {
		rc.RetryWaitMax = cfg.RetryWaitMax
	}
	rc.CheckRetry = checkRetry
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return &Client{base: base, token: cfg.Token, http: rc, retryFor: cfg.RetryFor}, nil
}

// checkRetry retries connection errors, 429 and 5xx (but 501), never another answer,
// and no more once the call's RetryFor has passed.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	a, _ := ctx.Value(attemptsKey{}).(*attempts)
	if a != nil {
		a.n++
	}
	retry := false
	if err != nil {
		retry, err = retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	} else if resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented) {
		retry = true
	}
	if retry && a != nil && a.budget > 0 && time.Since(a.began) >= a.budget {
		return false, err
	}
	return retry, err
}

// gaveUp says, for an error message, how long a call was retried; empty when it was
// not.
func (a *attempts) gaveUp() string {
	if a.n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (gave up after %d attempts in %s)", a.n, time.Since(a.began).Round(100*time.Millisecond))
}

// RedactURL is raw fit for a message or a log: credentials written into it become ***.
// A token may be a URL's password or its user name (http://TOKEN@host), and
// url.URL.Redacted, like net/http's errors, hides only the password.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User == nil {
		if u.Host == "" && strings.Contains(raw, "@") {
			return "(not shown: no scheme://host, and it holds @)"
		}
		return raw
	}
	u.User = nil
	return strings.Replace(u.String(), "://", "://***@", 1)
}

// redactURLError redacts the URL that net/http puts in its errors (see RedactURL).
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = RedactURL(ue.URL)
	}
	return err
}

// path joins escaped segments under the base URL.
func (c *Client) url(query url.Values, segments ...string) string {
	u := *c.base
	esc := make([]string, len(segments))
	for i, s := range segments {
		esc[i] = url.PathEscape(s)
	}
	u.RawPath = strings.TrimRight(c.base.EscapedPath(), "/") + "/" + strings.Join(esc, "/")
	u.Path, _ = url.PathUnescape(u.RawPath)
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	return u.String()
}

// do sends a request and decodes a success into out (when not nil). It returns the
// status code of a success.
func (c *Client) do(ctx context.Context, method, rawURL string, in, out any) (int, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("encoding the request: %w", err)
		}
		body = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return 0, fmt.Errorf("building the request: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	path := req.URL.EscapedPath()
	tries := &attempts{began: time.Now(), budget: c.retryFor}
	req = req.WithContext(context.WithValue(ctx, attemptsKey{}, tries))
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("registry: %s %s: %w%s", method, path, redactURLError(err), tries.gaveUp())
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, fmt.Errorf("registry: %s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Method: method, Path: path, StatusCode: resp.StatusCode}
		var eb struct {
			Error       string `json:"error"`
			Field       string `json:"field"`
			Requirement string `json:"requirement"`
		}
		if json.Unmarshal(data, &eb) == nil {
			e.Message, e.Field, e.Requirement = eb.Error, eb.Field, eb.Requirement
		} else {
			e.Message = strings.TrimSpace(string(bytes.ToValidUTF8(data[:min(len(data), 512)], nil)))
		}
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			e.Retries = tries.gaveUp()
		}
		return resp.StatusCode, e
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, fmt.Errorf("registry: %s %s: decoding the answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}

func queryValues(q registry.Query) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("extension_id", q.ExtensionID)
	set("product", q.Product)
	set("version", q.Version)
	set("zone", q.Zone)
	if q.StrictZone {
		v.Set("strict_zone", "true")
	}
	set("service_id", q.ServiceID)
	set("service_resource", q.ServiceResource)
	set("service_category", q.ServiceCategory)
	set("type", q.EndpointType)
	set("credentials_scope", q.CredentialsScope)
	set("user", q.User)
	set("project", q.Project)
	return v
}

func revealQuery(reveal bool) url.Values {
	if !reveal {
		return nil
	}
	return url.Values{"reveal": {"true"}}
}

// Health checks /healthz.
func (c *Client) Health(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "healthz"), nil, nil)
	return err
}

// Ready checks /readyz (the store answers).
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "readyz"), nil, nil)
	return err
}

// RegisterExtension registers an extension with its services, endpoints and
// credentials in one request, and returns it as stored (identifiers filled,
// credential values redacted).
func (c *Client) RegisterExtension(ctx context.Context, e registry.Extension) (registry.Extension, error) {
	var out registry.Extension
	_, err := c.do(ctx, http.MethodPost, c.url(nil, "extensions"), e, &out)
	return out, err
}

// GetExtension returns an extension with its tree.
func (c *Client) GetExtension(ctx context.Context, id string) (registry.Extension, error) {
	var out registry.Extension
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "extensions", id), nil, &out)
	return out, err
}

// ListExtensions runs a query.
func (c *Client) ListExtensions(ctx context.Context, q registry.Query) ([]registry.Extension, error) {
	var out []registry.Extension
	_, err := c.do(ctx, http.MethodGet, c.url(queryValues(q), "extensions"), nil, &out)
	return out, err
}

// UpdateExtension replaces an extension's own fields (not its services).
func (c *Client) UpdateExtension(ctx context.Context, e registry.Extension) (registry.Extension, error) {
	var out registry.Extension
	_, err := c.do(ctx, http.MethodPut, c.url(nil, "extensions", e.ID), e, &out)
	return out, err
}

// DeleteExtension deletes an extension and its whole tree.
func (c *Client) DeleteExtension(ctx context.Context, id string) error {
	_, err := c.do(ctx, http.MethodDelete, c.url(nil, "extensions", id), nil, nil)
	return err
}

// AddService adds a service (with endpoints and credentials) to an extension.
func (c *Client) AddService(ctx context.Context, extensionID string, s registry.Service) (registry.Service, error) {
	var out registry.Service
	_, err := c.do(ctx, http.MethodPost, c.url(nil, "extensions", extensionID, "services"), s, &out)
	return out, err
}

// GetService returns a service with its endpoints and credentials.
func (c *Client) GetService(ctx context.Context, extensionID, id string) (registry.Service, error) {
	var out registry.Service
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "extensions", extensionID, "services", id), nil, &out)
	return out, err
}

// ListServices lists an extension's services.
func (c *Client) ListServices(ctx context.Context, extensionID string) ([]registry.Service, error) {
	var out []registry.Service
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "extensions", extensionID, "services"), nil, &out)
	return out, err
}

// UpdateService replaces a service's own fields; s names it by ExtensionID and ID.
func (c *Client) UpdateService(ctx context.Context, s registry.Service) (registry.Service, error) {
	var out registry.Service
	_, err := c.do(ctx, http.MethodPut, c.url(nil, "extensions", s.ExtensionID, "services", s.ID), s, &out)
	return out, err
}

// DeleteService deletes a service with its endpoints and credentials.
func (c *Client) DeleteService(ctx context.Context, extensionID, id string) error {
	_, err := c.do(ctx, http.MethodDelete, c.url(nil, "extensions", extensionID, "services", id), nil, nil)
	return err
}

// AddEndpoint adds an endpoint to a service.
func (c *Client) AddEndpoint(ctx context.Context, extensionID, serviceID string, p registry.Endpoint) (registry.Endpoint, error) {
	var out registry.Endpoint
	_, err := c.do(ctx, http.MethodPost, c.url(nil, "extensions", extensionID, "services", serviceID, "endpoints"), p, &out)
	return out, err
}

// GetEndpoint returns one endpoint, named by its URL.
func (c *Client) GetEndpoint(ctx context.Context, extensionID, serviceID, endpointURL string) (registry.Endpoint, error) {
	var out registry.Endpoint
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "extensions", extensionID, "services", serviceID, "endpoints", endpointURL), nil, &out)
	return out, err
}

// ListEndpoints lists a service's endpoints.
func (c *Client) ListEndpoints(ctx context.Context, extensionID, serviceID string) ([]registry.Endpoint, error) {
	var out []registry.Endpoint
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "extensions", extensionID, "services", serviceID, "endpoints"), nil, &out)
	return out, err
}

// UpdateEndpoint replaces an endpoint's type and configuration; p names it by
// ExtensionID, ServiceID and URL.
func (c *Client) UpdateEndpoint(ctx context.Context, p registry.Endpoint) (registry.Endpoint, error) {
	var out registry.Endpoint
	_, err := c.do(ctx, http.MethodPut, c.url(nil, "extensions", p.ExtensionID, "services", p.ServiceID, "endpoints", p.URL), p, &out)
	return out, err
}

// DeleteEndpoint deletes an endpoint.
func (c *Client) DeleteEndpoint(ctx context.Context, extensionID, serviceID, endpointURL string) error {
	_, err := c.do(ctx, http.MethodDelete, c.url(nil, "extensions", extensionID, "services", serviceID, "endpoints", endpointURL), nil, nil)
	return err
}

// AddCredentials adds a set of credentials to a service (returned redacted).
func (c *Client) AddCredentials(ctx context.Context, extensionID, serviceID string, cr registry.Credentials) (registry.Credentials, error) {
	var out registry.Credentials
	_, err := c.do(ctx, http.MethodPost, c.url(nil, "extensions", extensionID, "services", serviceID, "credentials"), cr, &out)
	return out, err
}

// GetCredentials returns a set of credentials; reveal (admins only) returns the values.
func (c *Client) GetCredentials(ctx context.Context, extensionID, serviceID, id string, reveal bool) (registry.Credentials, error) {
	var out registry.Credentials
	_, err := c.do(ctx, http.MethodGet, c.url(revealQuery(reveal), "extensions", extensionID, "services", serviceID, "credentials", id), nil, &out)
	return out, err
}

// ListCredentials lists a service's credentials; reveal (admins only) returns the values.
func (c *Client) ListCredentials(ctx context.Context, extensionID, serviceID string, reveal bool) ([]registry.Credentials, error) {
	var out []registry.Credentials
	_, err := c.do(ctx, http.MethodGet, c.url(revealQuery(reveal), "extensions", extensionID, "services", serviceID, "credentials"), nil, &out)
	return out, err
}

// UpdateCredentials replaces a set of credentials; cr names it by ExtensionID,
// ServiceID and ID. A configuration value sent as "***" keeps the stored one.
func (c *Client) UpdateCredentials(ctx context.Context, cr registry.Credentials) (registry.Credentials, error) {
	var out registry.Credentials
	_, err := c.do(ctx, http.MethodPut, c.url(nil, "extensions", cr.ExtensionID, "services", cr.ServiceID, "credentials", cr.ID), cr, &out)
	return out, err
}

// DeleteCredentials deletes a set of credentials.
func (c *Client) DeleteCredentials(ctx context.Context, extensionID, serviceID, id string) error {
	_, err := c.do(ctx, http.MethodDelete, c.url(nil, "extensions", extensionID, "services", serviceID, "credentials", id), nil, nil)
	return err
}

// Resolve resolves a step's requirements into access descriptors and the environment
// (credential values included). An unresolvable requirement gives an *Error whose
// Requirement names it (errors.Is registry.ErrUnresolved).
func (c *Client) Resolve(ctx context.Context, req registry.ResolveRequest) (registry.Resolution, error) {
	var out registry.Resolution
	_, err := c.do(ctx, http.MethodPost, c.url(nil, "extensions", "resolve"), req, &out)
	return out, err
}

// RegisterApplication creates the application or, when the same workflow registers
// the same name again, replaces it; another workflow's application is a conflict
// (errors.Is registry.ErrConflict) unless force. It returns the stored record with
// its status and history, and whether it was created.
func (c *Client) RegisterApplication(ctx context.Context, app registry.Application, force bool) (registry.Application, bool, error) {
	var q url.Values
	if force {
		q = url.Values{"force": {"true"}}
	}
	var out registry.Application
	code, err := c.do(ctx, http.MethodPost, c.url(q, "applications"), app, &out)
	return out, code == http.StatusCreated, err
}

// GetApplication returns an application.
func (c *Client) GetApplication(ctx context.Context, name string) (registry.Application, error) {
	var out registry.Application
	_, err := c.do(ctx, http.MethodGet, c.url(nil, "applications", name), nil, &out)
	return out, err
}

// ListApplications lists applications, filtered by type and workflow.
func (c *Client) ListApplications(ctx context.Context, f registry.ApplicationFilter) ([]registry.Application, error) {
	q := url.Values{}
	if f.Type != "" {
		q.Set("type", f.Type)
	}
	if f.Workflow != "" {
		q.Set("workflow", f.Workflow)
	}
	var out []registry.Application
	_, err := c.do(ctx, http.MethodGet, c.url(q, "applications"), nil, &out)
	return out, err
}

// DeleteApplication deletes an application and, when the server has cluster access,
// its Kubernetes objects; the answer says whether those were deleted.
func (c *Client) DeleteApplication(ctx context.Context, name string) (registry.ApplicationDeletion, error) {
	var out registry.ApplicationDeletion
	code, err := c.do(ctx, http.MethodDelete, c.url(nil, "applications", name), nil, &out)
	if err != nil {
		return registry.ApplicationDeletion{}, err
	}
	if code == http.StatusNoContent {
		return registry.ApplicationDeletion{Name: name, KubernetesDeleted: true}, nil
	}
	return out, nil
}
