package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openmodelops/fuseml-seldon/registry"
	"github.com/openmodelops/fuseml-seldon/registry/store"
)

// MaxBodyBytes is the largest request body accepted; larger ones get 413.
const MaxBodyBytes = 1 << 20

// ResourceDeleter deletes one Kubernetes object of application app; an object that is
// already gone is not an error, one that is not app's is refused. registry/kube
// implements it with client-go.
type ResourceDeleter interface {
	Delete(ctx context.Context, namespace, app string, r registry.KubernetesResource) error
}

// Config is what the handler serves from.
type Config struct {
	// Store holds the registry.
	Store store.Store
	// Tokens authenticates requests.
	Tokens *Tokens
	// Logger receives one access-log line per request (no secret ever reaches it).
	Logger *slog.Logger
	// Deleter deletes applications' Kubernetes objects; nil when the server has no
	// cluster access, and then only the record is deleted.
	Deleter ResourceDeleter
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Handler is the registry's HTTP API.
type Handler struct {
	cfg      Config
	mux      *http.ServeMux
	patterns []string
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	metrics  http.Handler
}

// New returns the handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tokens == nil {
		cfg.Tokens = NewTokens()
	}
	h := &Handler{cfg: cfg, mux: http.NewServeMux()}
	reg := prometheus.NewRegistry()
	h.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "fuseml_registry_requests_total", Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	h.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "fuseml_registry_request_duration_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route"})
	reg.MustRegister(h.requests, h.latency, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	h.routes()
	return h
}

// Patterns lists the route patterns served ("GET /extensions/{id}"...).
func (h *Handler) Patterns() []string { return append([]string(nil), h.patterns...) }

func (h *Handler) handle(pattern string, min Role, fn func(w http.ResponseWriter, r *http.Request) error) {
	h.patterns = append(h.patterns, pattern)
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if min > 0 {
			p := principalFrom(r.Context())
			if p.Role < min {
				writeError(w, http.StatusForbidden, errorBody{Error: fmt.Sprintf("%s %q may not do this (needs %s)", p.Role, p.Name, min)})
				return
			}
		}
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

func (h *Handler) routes() {
	h.handle("GET /healthz", 0, func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	h.handle("GET /readyz", RoleReader, func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := h.cfg.Store.Ping(ctx); err != nil {
			h.cfg.Logger.Error("readiness: store unreachable", "err", err)
			return writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "store unreachable"})
		}
		return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	h.handle("GET /metrics", RoleReader, func(w http.ResponseWriter, r *http.Request) error {
		h.metrics.ServeHTTP(w, r)
		return nil
	})
	h.handle("GET /openapi.json", RoleReader, func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write(openAPIDocument)
		return err
	})

	h.handle("POST /extensions", RoleEditor, h.createExtension)
	h.handle("GET /extensions", RoleReader, h.listExtensions)
	h.handle("POST /extensions/resolve", RoleEditor, h.resolve)
	h.handle("GET /extensions/{id}", RoleReader, h.getExtension)
	h.handle("PUT /extensions/{id}", RoleEditor, h.updateExtension)
	h.handle("DELETE /extensions/{id}", RoleEditor, h.deleteExtension)

	h.handle("POST /extensions/{id}/services", RoleEditor, h.createService)
	h.handle("GET /extensions/{id}/services", RoleReader, h.listServices)
	h.handle("GET /extensions/{id}/services/{sid}", RoleReader, h.getService)
	h.handle("PUT /extensions/{id}/services/{sid}", RoleEditor, h.updateService)
	h.handle("DELETE /extensions/{id}/services/{sid}", RoleEditor, h.deleteService)

	h.handle("POST /extensions/{id}/services/{sid}/endpoints", RoleEditor, h.createEndpoint)
	h.handle("GET /extensions/{id}/services/{sid}/endpoints", RoleReader, h.listEndpoints)
	h.handle("GET /extensions/{id}/services/{sid}/endpoints/{url}", RoleReader, h.getEndpoint)
	h.handle("PUT /extensions/{id}/services/{sid}/endpoints/{url}", RoleEditor, h.updateEndpoint)
	h.handle("DELETE /extensions/{id}/services/{sid}/endpoints/{url}", RoleEditor, h.deleteEndpoint)

	h.handle("POST /extensions/{id}/services/{sid}/credentials", RoleEditor, h.createCredentials)
	h.handle("GET /extensions/{id}/services/{sid}/credentials", RoleEditor, h.listCredentials)
	h.handle("GET /extensions/{id}/services/{sid}/credentials/{cid}", RoleEditor, h.getCredentials)
	h.handle("PUT /extensions/{id}/services/{sid}/credentials/{cid}", RoleEditor, h.updateCredentials)
	h.handle("DELETE /extensions/{id}/services/{sid}/credentials/{cid}", RoleEditor, h.deleteCredentials)

	h.handle("POST /applications", RoleEditor, h.registerApplication)
	h.handle("GET /applications", RoleReader, h.listApplications)
	h.handle("GET /applications/{name}", RoleReader, h.getApplication)
	h.handle("DELETE /applications/{name}", RoleEditor, h.deleteApplication)
	// FuseML's own delete path ends with a slash
	h.handle("DELETE /applications/{name}/{$}", RoleEditor, h.deleteApplication)
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// ServeHTTP authenticates (all but /healthz), limits the body, routes, and records
// metrics and an access-log line.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	p, authErr := h.authenticate(r)
	switch {
	case r.URL.Path == "/healthz":
		h.mux.ServeHTTP(rec, r)
	case authErr != nil:
		rec.Header().Set("WWW-Authenticate", `Bearer realm="fuseml-registry"`)
		writeError(rec, http.StatusUnauthorized, errorBody{Error: authErr.Error()})
	case r.ContentLength > MaxBodyBytes:
		writeError(rec, http.StatusRequestEntityTooLarge, errorBody{Error: fmt.Sprintf("request body larger than %d bytes", MaxBodyBytes)})
	default:
		r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
		r = r.WithContext(withPrincipal(r.Context(), p))
		h.mux.ServeHTTP(rec, r)
	}
	route := r.Pattern
	if route == "" {
		// refused before routing (401, 413): label it with the route it was for
		_, route = h.mux.Handler(r)
	}
	if route == "" {
		route = "unmatched"
	}
	elapsed := time.Since(start)
	code := rec.code
	if code == 0 {
		code = http.StatusOK
	}
	h.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	h.latency.WithLabelValues(route).Observe(elapsed.Seconds())
	// the route pattern, never the path: an endpoint URL in a path may hold userinfo
	h.cfg.Logger.Info("request", "method", r.Method, "route", route, "code", code,
		"duration", elapsed, "principal", p.Name, "remote", r.RemoteAddr)
}

func (h *Handler) authenticate(r *http.Request) (Principal, error) {
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		return Principal{}, errors.New("missing bearer token")
	}
	p, ok := h.cfg.Tokens.Lookup(strings.TrimSpace(token))
	if !ok {
		return Principal{}, errors.New("unknown token")
	}
	return p, nil
}

type errorBody struct {
	Error       string `json:"error"`
	Field       string `json:"field,omitempty"`
	Requirement string `json:"requirement,omitempty"`
}

func writeJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, body errorBody) {
	_ = writeJSON(w, code, body)
}

// fail maps an error to its status code and body.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ve *registry.ValidationError
	var ue *registry.UnresolvedError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, errorBody{Error: fmt.Sprintf("request body larger than %d bytes", MaxBodyBytes)})
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, errorBody{Error: ve.Error(), Field: ve.Field})
	case errors.As(err, &ue):
		writeError(w, http.StatusNotFound, errorBody{Error: ue.Error(), Requirement: ue.Requirement})
	case errors.Is(err, registry.ErrNotFound):
		writeError(w, http.StatusNotFound, errorBody{Error: err.Error()})
	case errors.Is(err, registry.ErrExists), errors.Is(err, registry.ErrConflict):
		writeError(w, http.StatusConflict, errorBody{Error: err.Error()})
	case errors.Is(err, registry.ErrNoEncryptionKey):
		writeError(w, http.StatusNotImplemented, errorBody{Error: err.Error()})
	case errors.Is(err, errForbidden):
		writeError(w, http.StatusForbidden, errorBody{Error: err.Error()})
	case errors.Is(err, context.Canceled):
		writeError(w, 499, errorBody{Error: "request canceled"})
	default:
		h.cfg.Logger.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
		writeError(w, http.StatusInternalServerError, errorBody{Error: "internal error (see the server log)"})
	}
}

var errForbidden = errors.New("forbidden")

// decode reads a JSON body into v.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	// A misspelt field is refused rather than silently dropped.
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value in the body")
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("content after the JSON value")
		}
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &registry.ValidationError{Field: "body", Reason: "not valid JSON for this request: " + err.Error()}
	}
	return nil
}
