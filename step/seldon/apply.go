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

// Apply creates or updates the objects and returns them as the API server stored them.
// An existing service labelled with another workflow is refused (ErrOwnedByOtherWorkflow)
// unless Force. The Secret and ServiceAccount carry an owner reference to the service, so
// that deleting the service removes them; on a first run they are applied before the
// service (which needs them) and once more with the reference after it.
func (a *Applier) Apply(ctx context.Context, objs Objects) (Objects, error) {
	svc := objs.Service
	gvr, err := gvrOf(svc)
	if err != nil {
		return Objects{}, err
	}
	existing, err := a.Client.Resource(gvr).Namespace(svc.GetNamespace()).Get(ctx, svc.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		existing = nil
	case err != nil:
		return Objects{}, fmt.Errorf("reading %s %s/%s: %w", svc.GetKind(), svc.GetNamespace(), svc.GetName(), err)
	}
	if existing != nil && !a.Force {
		ours := svc.GetLabels()[LabelWorkflow]
		if theirs := existing.GetLabels()[LabelWorkflow]; theirs != ours {
			return Objects{}, fmt.Errorf("%s %s/%s exists and belongs to workflow %q, not %q: %w (rerun with --force to take it over)",
				svc.GetKind(), svc.GetNamespace(), svc.GetName(), theirs, ours, ErrOwnedByOtherWorkflow)
		}
	}
	dependents := []*unstructured.Unstructured{objs.Secret, objs.ServiceAccount}
	var out Objects
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
	if out.Service, err = a.apply(ctx, svc); err != nil {
		return Objects{}, err
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

func (a *Applier) apply(ctx context.Context, u *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gvr, err := gvrOf(u)
	if err != nil {
		return nil, err
	}
	var res *unstructured.Unstructured
	// A create racing another one answers 409 (AlreadyExists or Conflict); applying again
	// then updates the object that won the race.
	for attempt := 0; attempt < 3; attempt++ {
		res, err = a.Client.Resource(gvr).Namespace(u.GetNamespace()).Apply(ctx, u.GetName(), u,
			metav1.ApplyOptions{FieldManager: a.manager(), Force: true})
		if !apierrors.IsAlreadyExists(err) && !apierrors.IsConflict(err) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return res, nil
}
