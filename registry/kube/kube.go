// Package kube deletes applications' Kubernetes objects for the registry, with
// client-go's dynamic client: an object is named by kind and name in a namespace, and
// the kind is looked up in the API server's discovery.
package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/openmodelops/fuseml-seldon/registry"
)

// LoadConfig returns the cluster configuration from kubeconfig when given, else the
// in-cluster one; it returns nil and no error when there is neither (no cluster
// access).
func LoadConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("loading kubeconfig %s: %w", kubeconfig, err)
		}
		return cfg, nil
	}
	cfg, err := rest.InClusterConfig()
	if errors.Is(err, rest.ErrNotInCluster) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("loading the in-cluster config: %w", err)
	}
	return cfg, nil
}

// Deleter deletes namespaced objects by kind and name.
type Deleter struct {
	dyn  dynamic.Interface
	disc discovery.DiscoveryInterface

	mu    sync.Mutex
	kinds map[string]schema.GroupVersionResource
}

// NewDeleter returns a deleter for the cluster.
func NewDeleter(cfg *rest.Config) (*Deleter, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the dynamic client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the discovery client: %w", err)
	}
	return &Deleter{dyn: dyn, disc: disc}, nil
}

// resource finds the namespaced resource serving kind (core group first, then the
// groups in the server's preferred order); discovery is re-read once for a kind it
// did not know, in case a CRD arrived since.
func (d *Deleter) resource(kind string) (schema.GroupVersionResource, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if gvr, ok := d.kinds[kind]; ok {
		return gvr, nil
	}
	lists, err := d.disc.ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return schema.GroupVersionResource{}, fmt.Errorf("discovering the cluster's resources: %w", err)
	}
	d.kinds = map[string]schema.GroupVersionResource{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if _, seen := d.kinds[r.Kind]; seen && gv.Group != "" {
				continue
			}
			d.kinds[r.Kind] = gv.WithResource(r.Name)
		}
	}
	gvr, ok := d.kinds[kind]
	if !ok {
		return schema.GroupVersionResource{}, fmt.Errorf("%s: %w", kind, ErrUnknownKind)
	}
	return gvr, nil
}

// AppLabel is the label the predictor step puts on every object of an application; the
// deleter deletes only objects that carry it with the application's name.
const AppLabel = "fuseml/app-name"

// Delete deletes the object of application app (its dependents in the background); an
// object already gone is not an error. An object that is not labelled as app's is
// refused (ErrNotOwned): an application record names its objects, and whoever may
// write records must not be able to have the registry delete other objects.
func (d *Deleter) Delete(ctx context.Context, namespace, app string, r registry.KubernetesResource) error {
	gvr, err := d.resource(r.Kind)
	if err != nil {
		return err
	}
	res := d.dyn.Resource(gvr).Namespace(namespace)
	obj, err := res.Get(ctx, r.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s %s/%s: %w", r.Kind, namespace, r.Name, err)
	}
	if got := obj.GetLabels()[AppLabel]; got != app {
		return fmt.Errorf("%s %s/%s is labelled %s=%q, not %q: %w", r.Kind, namespace, r.Name, AppLabel, got, app, ErrNotOwned)
	}
	policy := metav1.DeletePropagationBackground
	err = res.Delete(ctx, r.Name, metav1.DeleteOptions{
		PropagationPolicy: &policy,
		// the object read above, not one created under the same name since
		Preconditions: &metav1.Preconditions{UID: ptrUID(obj.GetUID())},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting %s %s/%s: %w", r.Kind, namespace, r.Name, err)
	}
	return nil
}

func ptrUID(u types.UID) *types.UID { return &u }
