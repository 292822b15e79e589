package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/openmodelops/fuseml-seldon/registry"
)

func (h *Handler) registerApplication(w http.ResponseWriter, r *http.Request) error {
	var app registry.Application
	if err := decode(r, &app); err != nil {
		return err
	}
	force, _ := strconv.ParseBool(r.URL.Query().Get("force"))
	if err := app.Validate(); err != nil {
		return err
	}
	got, created, err := h.cfg.Store.RegisterApplication(r.Context(), app.Name, func(existing *registry.Application) (registry.Application, error) {
		return registry.Register(existing, app, force, h.cfg.Now())
	})
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return writeJSON(w, code, got)
}

func (h *Handler) listApplications(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	apps, err := h.cfg.Store.ListApplications(r.Context(), registry.ApplicationFilter{Type: q.Get("type"), Workflow: q.Get("workflow")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, apps)
}

func (h *Handler) getApplication(w http.ResponseWriter, r *http.Request) error {
	app, err := h.cfg.Store.GetApplication(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, app)
}

// errKubernetes marks a failure to delete an application's Kubernetes objects.
var errKubernetes = errors.New("deleting the application's kubernetes objects")

func (h *Handler) deleteApplication(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	app, err := h.cfg.Store.GetApplication(r.Context(), name)
	if err != nil {
		return err
	}
	if h.cfg.Deleter == nil {
		if err := h.cfg.Store.DeleteApplication(r.Context(), name); err != nil {
			return err
		}
		msg := "the registry has no cluster access: only the record was deleted"
		if len(app.K8sResources) > 0 {
			msg += fmt.Sprintf("; delete its Kubernetes objects in namespace %q yourself", app.K8sNamespace)
		}
		return writeJSON(w, http.StatusOK, registry.ApplicationDeletion{
			Name: name, KubernetesDeleted: false, Message: msg,
			K8sNamespace: app.K8sNamespace, K8sResources: app.K8sResources,
		})
	}
	var failed []string
	for _, res := range app.K8sResources {
		if err := h.cfg.Deleter.Delete(r.Context(), app.K8sNamespace, name, res); err != nil {
			h.cfg.Logger.Error("deleting a kubernetes object", "application", name, "kind", res.Kind, "name", res.Name, "err", err)
			failed = append(failed, fmt.Sprintf("%s/%s: %v", res.Kind, res.Name, err))
		}
	}
	if len(failed) > 0 {
		// keep the record so that the deletion can be retried
		return writeJSON(w, http.StatusBadGateway, errorBody{Error: fmt.Sprintf("%v (the record is kept): %s", errKubernetes, strings.Join(failed, "; "))})
	}
	if err := h.cfg.Store.DeleteApplication(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
