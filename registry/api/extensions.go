package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// view decides how credentials appear in a response for the request's principal.
type view struct {
	hide   bool // readers see no credentials at all
	reveal bool // an admin's ?reveal=true
}

func viewFor(r *http.Request) (view, error) {
	p := principalFrom(r.Context())
	reveal, _ := strconv.ParseBool(r.URL.Query().Get("reveal"))
	if reveal && p.Role < RoleAdmin {
		return view{}, fmt.Errorf("%w: only admins may reveal credentials", errForbidden)
	}
	return view{hide: p.Role < RoleEditor, reveal: reveal}, nil
}

func (v view) credentials(c registry.Credentials) registry.Credentials {
	if v.reveal || c.Configuration == nil {
		return c
	}
	red := make(map[string]string, len(c.Configuration))
	for k := range c.Configuration {
		red[k] = registry.Redacted
	}
	c.Configuration = red
	return c
}

func (v view) service(s registry.Service) registry.Service {
	if v.hide {
		s.Credentials = nil
		return s
	}
	if s.Credentials != nil {
		creds := make([]registry.Credentials, len(s.Credentials))
		for i, c := range s.Credentials {
			creds[i] = v.credentials(c)
		}
		s.Credentials = creds
	}
	return s
}

func (v view) extension(e registry.Extension) registry.Extension {
	if e.Services != nil {
		svcs := make([]registry.Service, len(e.Services))
		for i, s := range e.Services {
			svcs[i] = v.service(s)
		}
		e.Services = svcs
	}
	return e
}

func (h *Handler) respondExtension(w http.ResponseWriter, r *http.Request, code int, e registry.Extension) error {
	v, err := viewFor(r)
	if err != nil {
		return err
	}
	return writeJSON(w, code, v.extension(e))
}

func (h *Handler) respondService(w http.ResponseWriter, r *http.Request, code int, s registry.Service) error {
	v, err := viewFor(r)
	if err != nil {
		return err
	}
	return writeJSON(w, code, v.service(s))
}

func (h *Handler) createExtension(w http.ResponseWriter, r *http.Request) error {
	var e registry.Extension
	if err := decode(r, &e); err != nil {
		return err
	}
	if err := e.Prepare(); err != nil {
		return err
	}
	got, err := h.cfg.Store.CreateExtension(r.Context(), e)
	if err != nil {
		return err
	}
	return h.respondExtension(w, r, http.StatusCreated, got)
}

// queryFrom reads the list filters: FuseML's query fields by their JSON names.
func queryFrom(r *http.Request) (registry.Query, error) {
	v := r.URL.Query()
	strict, _ := strconv.ParseBool(v.Get("strict_zone"))
	q := registry.Query{
		ExtensionID: v.Get("extension_id"), Product: v.Get("product"), Version: v.Get("version"),
		Zone: v.Get("zone"), StrictZone: strict,
		ServiceID: v.Get("service_id"), ServiceResource: v.Get("service_resource"), ServiceCategory: v.Get("service_category"),
		EndpointType: v.Get("type"), CredentialsScope: v.Get("credentials_scope"),
		User: v.Get("user"), Project: v.Get("project"),
	}
	return q, q.Validate()
}

func (h *Handler) listExtensions(w http.ResponseWriter, r *http.Request) error {
	q, err := queryFrom(r)
	if err != nil {
		return err
	}
	vw, err := viewFor(r)
	if err != nil {
		return err
	}
	exts, err := h.cfg.Store.ListExtensions(r.Context(), q)
	if err != nil {
		return err
	}
	out := make([]registry.Extension, len(exts))
	for i, e := range exts {
		out[i] = vw.extension(e)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (h *Handler) getExtension(w http.ResponseWriter, r *http.Request) error {
	e, err := h.cfg.Store.GetExtension(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.respondExtension(w, r, http.StatusOK, e)
}

// pathID checks a body's identifier against the path's.
func pathID(field, body, path string) (string, error) {
	if body != "" && body != path {
		return "", &registry.ValidationError{Field: field, Reason: fmt.Sprintf("%q does not match the path's %q", body, path)}
	}
	return path, nil
}

func (h *Handler) updateExtension(w http.ResponseWriter, r *http.Request) error {
	var e registry.Extension
	if err := decode(r, &e); err != nil {
		return err
	}
	var err error
	if e.ID, err = pathID("id", e.ID, r.PathValue("id")); err != nil {
		return err
	}
	e.Services = nil // updates touch the extension's own fields only
	if err := e.Validate(); err != nil {
		return err
	}
	got, err := h.cfg.Store.UpdateExtension(r.Context(), e)
	if err != nil {
		return err
	}
	return h.respondExtension(w, r, http.StatusOK, got)
}

func (h *Handler) deleteExtension(w http.ResponseWriter, r *http.Request) error {
	if err := h.cfg.Store.DeleteExtension(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) createService(w http.ResponseWriter, r *http.Request) error {
	var s registry.Service
	if err := decode(r, &s); err != nil {
		return err
	}
	var err error
	if s.ExtensionID, err = pathID("extension_id", s.ExtensionID, r.PathValue("id")); err != nil {
		return err
	}
	ext, err := h.cfg.Store.GetExtension(r.Context(), s.ExtensionID)
	if err != nil {
		return err
	}
	if err := s.Prepare(ext.Product); err != nil {
		return err
	}
	got, err := h.cfg.Store.CreateService(r.Context(), s)
	if err != nil {
		return err
	}
	return h.respondService(w, r, http.StatusCreated, got)
}

func (h *Handler) listServices(w http.ResponseWriter, r *http.Request) error {
	vw, err := viewFor(r)
	if err != nil {
		return err
	}
	svcs, err := h.cfg.Store.ListServices(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	for i := range svcs {
		svcs[i] = vw.service(svcs[i])
	}
	return writeJSON(w, http.StatusOK, svcs)
}

func (h *Handler) getService(w http.ResponseWriter, r *http.Request) error {
	s, err := h.cfg.Store.GetService(r.Context(), r.PathValue("id"), r.PathValue("sid"))
	if err != nil {
		return err
	}
	return h.respondService(w, r, http.StatusOK, s)
}

func (h *Handler) updateService(w http.ResponseWriter, r *http.Request) error {
	var s registry.Service
	if err := decode(r, &s); err != nil {
		return err
	}
	var err error
	if s.ExtensionID, err = pathID("extension_id", s.ExtensionID, r.PathValue("id")); err != nil {
		return err
	}
	if s.ID, err = pathID("id", s.ID, r.PathValue("sid")); err != nil {
		return err
	}
	s.Endpoints, s.Credentials = nil, nil
	if err := s.Validate(); err != nil {
		return err
	}
	got, err := h.cfg.Store.UpdateService(r.Context(), s)
	if err != nil {
		return err
	}
	return h.respondService(w, r, http.StatusOK, got)
}

func (h *Handler) deleteService(w http.ResponseWriter, r *http.Request) error {
	if err := h.cfg.Store.DeleteService(r.Context(), r.PathValue("id"), r.PathValue("sid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) createEndpoint(w http.ResponseWriter, r *http.Request) error {
	var p registry.Endpoint
	if err := decode(r, &p); err != nil {
		return err
	}
	var err error
	if p.ExtensionID, err = pathID("extension_id", p.ExtensionID, r.PathValue("id")); err != nil {
		return err
	}
	if p.ServiceID, err = pathID("service_id", p.ServiceID, r.PathValue("sid")); err != nil {
		return err
	}
	if err := p.Prepare(); err != nil {
		return err
	}
	got, err := h.cfg.Store.CreateEndpoint(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, got)
}

func (h *Handler) listEndpoints(w http.ResponseWriter, r *http.Request) error {
	eps, err := h.cfg.Store.ListEndpoints(r.Context(), r.PathValue("id"), r.PathValue("sid"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, eps)
}

func (h *Handler) getEndpoint(w http.ResponseWriter, r *http.Request) error {
	p, err := h.cfg.Store.GetEndpoint(r.Context(), r.PathValue("id"), r.PathValue("sid"), r.PathValue("url"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (h *Handler) updateEndpoint(w http.ResponseWriter, r *http.Request) error {
	var p registry.Endpoint
	if err := decode(r, &p); err != nil {
		return err
	}
	var err error
	if p.ExtensionID, err = pathID("extension_id", p.ExtensionID, r.PathValue("id")); err != nil {
		return err
	}
	if p.ServiceID, err = pathID("service_id", p.ServiceID, r.PathValue("sid")); err != nil {
		return err
	}
	if p.URL, err = pathID("url", p.URL, r.PathValue("url")); err != nil {
		return err
	}
	if err := p.Prepare(); err != nil {
		return err
	}
	got, err := h.cfg.Store.UpdateEndpoint(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, got)
}

func (h *Handler) deleteEndpoint(w http.ResponseWriter, r *http.Request) error {
	if err := h.cfg.Store.DeleteEndpoint(r.Context(), r.PathValue("id"), r.PathValue("sid"), r.PathValue("url")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) respondCredentials(w http.ResponseWriter, r *http.Request, code int, c registry.Credentials) error {
	v, err := viewFor(r)
	if err != nil {
		return err
	}
	return writeJSON(w, code, v.credentials(c))
}

func (h *Handler) createCredentials(w http.ResponseWriter, r *http.Request) error {
	var c registry.Credentials
	if err := decode(r, &c); err != nil {
		return err
	}
	var err error
	if c.ExtensionID, err = pathID("extension_id", c.ExtensionID, r.PathValue("id")); err != nil {
		return err
	}
	if c.ServiceID, err = pathID("service_id", c.ServiceID, r.PathValue("sid")); err != nil {
		return err
	}
	svc, err := h.cfg.Store.GetService(r.Context(), c.ExtensionID, c.ServiceID)
	if err != nil {
		return err
	}
	c.Prepare(svc.Resource)
	if err := c.Validate(); err != nil {
		return err
	}
	got, err := h.cfg.Store.CreateCredentials(r.Context(), c)
	if err != nil {
		return err
	}
	return h.respondCredentials(w, r, http.StatusCreated, got)
}

func (h *Handler) listCredentials(w http.ResponseWriter, r *http.Request) error {
	vw, err := viewFor(r)
	if err != nil {
		return err
	}
	creds, err := h.cfg.Store.ListCredentials(r.Context(), r.PathValue("id"), r.PathValue("sid"))
	if err != nil {
		return err
	}
	for i := range creds {
		creds[i] = vw.credentials(creds[i])
	}
	return writeJSON(w, http.StatusOK, creds)
}

func (h *Handler) getCredentials(w http.ResponseWriter, r *http.Request) error {
	c, err := h.cfg.Store.GetCredentials(r.Context(), r.PathValue("id"), r.PathValue("sid"), r.PathValue("cid"))
	if err != nil {
		return err
	}
	return h.respondCredentials(w, r, http.StatusOK, c)
}

func (h *Handler) updateCredentials(w http.ResponseWriter, r *http.Request) error {
	var c registry.Credentials
	if err := decode(r, &c); err != nil {
		return err
	}
	var err error
	if c.ExtensionID, err = pathID("extension_id", c.ExtensionID, r.PathValue("id")); err != nil {
		return err
	}
	if c.ServiceID, err = pathID("service_id", c.ServiceID, r.PathValue("sid")); err != nil {
		return err
	}
	if c.ID, err = pathID("id", c.ID, r.PathValue("cid")); err != nil {
		return err
	}
	old, err := h.cfg.Store.GetCredentials(r.Context(), c.ExtensionID, c.ServiceID, c.ID)
	if err != nil {
		return err
	}
	// a value sent back redacted keeps the stored one
	for k, v := range c.Configuration {
		if prev, ok := old.Configuration[k]; ok && v == registry.Redacted {
			c.Configuration[k] = prev
		}
	}
	if c.Scope == "" {
		c.Scope = registry.ScopeGlobal
	}
	if err := c.Validate(); err != nil {
		return err
	}
	got, err := h.cfg.Store.UpdateCredentials(r.Context(), c)
	if err != nil {
		return err
	}
	return h.respondCredentials(w, r, http.StatusOK, got)
}

func (h *Handler) deleteCredentials(w http.ResponseWriter, r *http.Request) error {
	if err := h.cfg.Store.DeleteCredentials(r.Context(), r.PathValue("id"), r.PathValue("sid"), r.PathValue("cid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) resolve(w http.ResponseWriter, r *http.Request) error {
	var req registry.ResolveRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	res, err := registry.Resolve(r.Context(), h.cfg.Store, req)
	if err != nil {
		return err
	}
	// resolve is how credentials reach a step: values are not redacted here
	return writeJSON(w, http.StatusOK, res)
}
