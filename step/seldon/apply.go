package seldon

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
)

// Applier applies the objects of a prediction service with server-side apply.
type Applier struct {
	Client dynamic.Interface
	// Force takes over a service that another workflow created.
	Force bool
	// FieldManager names us in managedFields; ManagedBy when empty.
	FieldManager string
}

func (a *Applier) manager() string {
	if a.FieldManager != "" {
		return a.FieldManager
	}
	return ManagedBy
}

func gvrOf(u *unstructured.Unstructured) (schema.GroupVersionResource, error) {
	switch u.GetKind() {
	case "Secret":
		return SecretGVR, nil
	case "ServiceAccount":
		return ServiceAccountGVR, nil
	case "SeldonDeployment":
		return SeldonDeploymentGVR, nil
	case "Model":
		return ModelGVR, nil
	}
	return schema.GroupVersionResource{}, fmt.Errorf("unexpected kind %s", u.GetKind())
}

// applyAttempts bounds the applies of one object that the API server answers with 409.
const applyAttempts = 3

// Apply creates or updates the objects and returns them as the API server stored them.
// An existing service labelled with another workflow is refused (ErrOwnedByOtherWorkflow)
// unless Force. The Secret and ServiceAccount carry an owner reference to the service, so
// that deleting the service removes them; on a first run they are applied before the
// service (which needs them) and once more with the reference after it.
//
// Applying takes every field we set from other field managers (server-side apply with
// force) and leaves the fields we do not set to them. A create that races another run
// may be answered 409 (AlreadyExists or Conflict): the service is then read again and
// its ownership checked again before the next attempt, so that a run that lost the race
// to another workflow is refused rather than taking its service over.
func (a *Applier) Apply(ctx context.Context, objs Objects) (Objects, error) {
	svc := objs.Service
	gvr, err := gvrOf(svc)
	if err != nil {
		return Objects{}, err
	}
	dependents := []*unstructured.Unstructured{objs.Secret, objs.ServiceAccount}
	var out Objects
	for attempt := 1; ; attempt++ {
		existing, err := a.readService(ctx, gvr, svc)
		if err != nil {
			return Objects{}, err
		}
		if existing == nil {
			// First run: the service needs its Secret and ServiceAccount from the start.
			for _, d := range dependents {
				if d != nil {
					if _, err := a.apply(ctx, d); err != nil {
						return Objects{}, err
					}
				}
			}
		}
		out.Service, err = a.applyOnce(ctx, svc)
		if err == nil {
			break
		}
		if !lostRace(err) {
			return Objects{}, fmt.Errorf("applying %s %s/%s: %w", svc.GetKind(), svc.GetNamespace(), svc.GetName(), err)
		}
		if attempt == applyAttempts {
			return Objects{}, gaveUp(svc, err)
		}
		// Another run created the service meanwhile: read it, and check it, again.
	}
	owner := metav1.OwnerReference{
		APIVersion: out.Service.GetAPIVersion(),
		Kind:       out.Service.GetKind(),
		Name:       out.Service.GetName(),
		UID:        out.Service.GetUID(),
	}
	for i, d := range dependents {
		if d == nil {
			continue
		}
		d = d.DeepCopy()
		d.SetOwnerReferences([]metav1.OwnerReference{owner})
		applied, err := a.apply(ctx, d)
		if err != nil {
			return Objects{}, err
		}
		if i == 0 {
			out.Secret = applied
		} else {
			out.ServiceAccount = applied
		}
	}
	return out, nil
}

// readService returns the service as stored, or nil if there is none, and refuses one
// that is labelled with another workflow unless Force.
func (a *Applier) readService(ctx context.Context, gvr schema.GroupVersionResource, svc *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	existing, err := a.Client.Resource(gvr).Namespace(svc.GetNamespace()).Get(ctx, svc.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s %s/%s: %w", svc.GetKind(), svc.GetNamespace(), svc.GetName(), err)
	}
	if !a.Force {
		ours := svc.GetLabels()[LabelWorkflow]
		if theirs := existing.GetLabels()[LabelWorkflow]; theirs != ours {
			return nil, fmt.Errorf("%s %s/%s exists and belongs to workflow %q, not %q: %w (rerun with --force to take it over)",
				svc.GetKind(), svc.GetNamespace(), svc.GetName(), theirs, ours, ErrOwnedByOtherWorkflow)
		}
	}
	return existing, nil
}

// lostRace says whether err is the 409 that answers a create racing another one.
func lostRace(err error) bool {
	return apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err)
}

// gaveUp is the error of the last of applyAttempts applies of u, each answered 409.
func gaveUp(u *unstructured.Unstructured, err error) error {
	return fmt.Errorf("applying %s %s/%s: still 409 after %d attempts: %w",
		u.GetKind(), u.GetNamespace(), u.GetName(), applyAttempts, err)
}

// apply applies u, again if a create racing another one is answered 409: applying then
// updates the object that won the race.
func (a *Applier) apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	for attempt := 1; ; attempt++ {
		res, err := a.applyOnce(ctx, u)
		switch {
		case err == nil:
			return res, nil
		case !lostRace(err):
			return nil, fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		case attempt == applyAttempts:
			return nil, gaveUp(u, err)
		}
	}
}

// applyOnce server-side applies u under our field manager, taking over the fields it
// sets from any other manager.
func (a *Applier) applyOnce(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gvr, err := gvrOf(u)
	if err != nil {
		return nil, err
	}
	return a.Client.Resource(gvr).Namespace(u.GetNamespace()).Apply(ctx, u.GetName(), u,
		metav1.ApplyOptions{FieldManager: a.manager(), Force: true})
}
