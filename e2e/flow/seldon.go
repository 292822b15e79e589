package flow

import (
	"context"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Seldon and Istio resources.
var (
	SeldonDeploymentGVR = schema.GroupVersionResource{Group: "machinelearning.seldon.io", Version: "v1", Resource: "seldondeployments"}
	ModelGVR            = schema.GroupVersionResource{Group: "mlops.seldon.io", Version: "v1alpha1", Resource: "models"}
	ServiceAccountGVR   = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	GatewayGVR          = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1beta1", Resource: "gateways"}
)

// FakeSeldonOperator stands in for the Seldon operator, which cannot run here: once a
// SeldonDeployment (or v2 Model) of the name appears in the namespace, it writes the
// status Seldon writes when the service is ready (state Available; for a Model, the
// conditions ModelReady and Ready). Stop it when the step is done.
type FakeSeldonOperator struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// Wrote is closed once the status is written.
	Wrote chan struct{}
}

// PlaySeldon starts a FakeSeldonOperator for kind (SeldonDeployment or Model) and name.
func (f *Flow) PlaySeldon(namespace, kind, name string) *FakeSeldonOperator {
	ctx, cancel := context.WithCancel(context.Background())
	op := &FakeSeldonOperator{cancel: cancel, Wrote: make(chan struct{})}
	gvr := SeldonDeploymentGVR
	if kind == "Model" {
		gvr = ModelGVR
	}
	res := f.Kube.Resource(gvr).Namespace(namespace)
	op.wg.Add(1)
	go func() {
		defer op.wg.Done()
		for ctx.Err() == nil {
			u, err := res.Get(ctx, name, metav1.GetOptions{})
			if err == nil {
				u.Object["status"] = readyStatus(kind, u)
				if _, err := res.UpdateStatus(ctx, u, metav1.UpdateOptions{FieldValidation: "Strict"}); err == nil {
					close(op.Wrote)
					return
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return op
}

// Stop stops the operator.
func (op *FakeSeldonOperator) Stop() { op.cancel(); op.wg.Wait() }

func readyStatus(kind string, u *unstructured.Unstructured) map[string]any {
	now := time.Now().UTC().Format(time.RFC3339)
	if kind == "Model" {
		return map[string]any{
			"replicas": int64(1), "availableReplicas": int64(1),
			"conditions": []any{
				map[string]any{"type": "ModelReady", "status": "True", "reason": "ModelAvailable", "lastTransitionTime": now},
				map[string]any{"type": "Ready", "status": "True", "lastTransitionTime": now},
			},
		}
	}
	name, ns := u.GetName(), u.GetNamespace()
	return map[string]any{
		"state": "Available",
		"address": map[string]any{
			"url": "http://" + name + "-default." + ns + ".svc.cluster.local:8000/api/v1.0/predictions",
		},
		"deploymentStatus": map[string]any{
			name + "-default-0-classifier": map[string]any{"replicas": int64(1), "availableReplicas": int64(1)},
		},
	}
}

// CreateGateway creates the Istio Gateway seldon-gateway that FuseML's Seldon Core
// installation has, with hosts *.domain: the step builds prediction URLs from it.
func (f *Flow) CreateGateway(ctx context.Context, namespace, domain string) error {
	gw := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.istio.io/v1beta1", "kind": "Gateway",
		"metadata": map[string]any{"name": "seldon-gateway", "namespace": namespace},
		"spec": map[string]any{
			"selector": map[string]any{"istio": "ingressgateway"},
			"servers": []any{map[string]any{
				"hosts": []any{"*." + domain},
				"port":  map[string]any{"name": "http", "number": int64(80), "protocol": "HTTP"},
			}},
		},
	}}
	_, err := f.Kube.Resource(GatewayGVR).Namespace(namespace).Create(ctx, gw, metav1.CreateOptions{})
	return err
}
