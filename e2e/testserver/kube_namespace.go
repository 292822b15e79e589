package testserver

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// kubeTestLabel marks the namespaces that NewNamespace creates.
const kubeTestLabel = "fuseml-seldon/test"

// NewNamespace creates a fresh namespace for the test, named after it, and deletes it
// with everything in it when the test ends.
func (k *Kube) NewNamespace(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := kubeContext()
	defer cancel()
	ns, err := k.clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: kubeNamespacePrefix(tb.Name()),
		Labels:       map[string]string{kubeTestLabel: "true"},
	}}, metav1.CreateOptions{})
	if err != nil {
		tb.Fatalf("creating a namespace: %v", err)
	}
	tb.Cleanup(func() {
		if err := k.deleteNamespace(ns.Name); err != nil {
			tb.Errorf("deleting the test namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

var kubeNotNameChars = regexp.MustCompile(`[^a-z0-9]+`)

// kubeNamespacePrefix makes a namespace name prefix from a test name; the server
// appends a random suffix.
func kubeNamespacePrefix(test string) string {
	p := strings.Trim(kubeNotNameChars.ReplaceAllString(strings.ToLower(test), "-"), "-")
	if len(p) > 40 {
		p = strings.TrimRight(p[:40], "-")
	}
	if p == "" {
		p = "test"
	}
	return p + "-"
}

// deleteNamespace deletes a namespace and what it holds. No namespace controller runs
// here, so it does that controller's work: delete every kind of namespaced object in
// it, then remove the namespace's finalizer so that it goes.
func (k *Kube) deleteNamespace(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lists, err := k.clientset.Discovery().ServerPreferredNamespacedResources()
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return err
	}
	var errs []error
	for _, list := range lists {
		gv, err := schema.ParseGroupVersion(list.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range list.APIResources {
			if strings.Contains(r.Name, "/") || !slices.Contains(r.Verbs, "deletecollection") {
				continue
			}
			err := k.cleaner.Resource(gv.WithResource(r.Name)).Namespace(name).
				DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
				errs = append(errs, err)
			}
		}
	}
	namespaces := k.clientset.CoreV1().Namespaces()
	if err := namespaces.Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return errors.Join(append(errs, err)...)
	}
	ns, err := namespaces.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return errors.Join(errs...)
	}
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	ns.Spec.Finalizers = nil
	if _, err := namespaces.Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
