package seldon

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/openmodelops/fuseml-seldon/convert"
)

// GatewayName is the Istio Gateway that FuseML's Seldon Core installation creates in the
// workflow namespace.
const GatewayName = "seldon-gateway"

// Host is where a prediction service is reached from outside.
type Host struct {
	Scheme string // http or https
	Name   string // e.g. myapp.seldon.example.com
	// Source says where it came from, for the log: "gateway ns/seldon-gateway",
	// "--seldon-domain", or "in-cluster service".
	Source string
}

// GatewayHost reads the Istio Gateway seldon-gateway in namespace and makes the service's
// host from the first host of its first server, "*" replaced by the application name. ok
// is false when there is no such Gateway (or no Istio), or its host cannot name the app.
func GatewayHost(ctx context.Context, client dynamic.Interface, namespace, app string) (Host, bool, error) {
	gw, err := client.Resource(GatewayGVR).Namespace(namespace).Get(ctx, GatewayName, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) || apierrors.IsForbidden(err) {
			return Host{}, false, nil
		}
		return Host{}, false, fmt.Errorf("reading Gateway %s/%s: %w", namespace, GatewayName, err)
	}
	return hostFromGateway(gw, app)
}

func hostFromGateway(gw *unstructured.Unstructured, app string) (Host, bool, error) {
	servers, _, _ := unstructured.NestedSlice(gw.Object, "spec", "servers")
	if len(servers) == 0 {
		return Host{}, false, nil
	}
	server, _ := servers[0].(map[string]any)
	hosts, _, _ := unstructured.NestedStringSlice(server, "hosts")
	if len(hosts) == 0 {
		return Host{}, false, nil
	}
	h := hosts[0]
	if i := strings.Index(h, "/"); i >= 0 {
		h = h[i+1:] // "namespace/host" form
	}
	if h == "*" || h == "" {
		return Host{}, false, nil
	}
	h = strings.Replace(h, "*", app, 1)
	scheme := "http"
	proto, _, _ := unstructured.NestedString(server, "port", "protocol")
	if _, hasTLS := server["tls"]; strings.EqualFold(proto, "HTTPS") || (hasTLS && !strings.EqualFold(proto, "HTTP")) {
		scheme = "https"
	}
	return Host{Scheme: scheme, Name: h, Source: "gateway " + gw.GetNamespace() + "/" + GatewayName}, true, nil
}

// DomainHost is the host under a configured domain (--seldon-domain): <app>.<domain>.
func DomainHost(domain, app string) Host {
	scheme := "http"
	if s, rest, ok := strings.Cut(domain, "://"); ok {
		scheme, domain = s, rest
	}
	return Host{Scheme: scheme, Name: app + "." + strings.Trim(domain, "./"), Source: "--seldon-domain"}
}

// PredictionURL is the URL predictions are sent to. With a host (from the gateway or a
// domain) Seldon v1 services are under /seldon/<ns>/<app>, and v2 Models under
// /v2/models/<app>/infer (requests also carry the Seldon-Model header). Without one, the
// in-cluster service address: <app>-default.<ns>.svc.cluster.local:8000 for v1, the
// seldon-mesh service for v2.
func PredictionURL(api convert.API, protocol convert.Protocol, host *Host, namespace, app string) string {
	if api == convert.V2 {
		path := "/v2/models/" + app + "/infer"
		if host != nil {
			return host.Scheme + "://" + host.Name + path
		}
		return "http://seldon-mesh." + namespace + ".svc.cluster.local" + path
	}
	var path string
	switch protocol {
	case convert.ProtocolTensorFlow:
		path = "/v1/models/" + app + ":predict"
	case convert.ProtocolV2:
		path = "/v2/models/" + app + "/infer"
	default:
		path = "/api/v1.0/predictions"
	}
	if host != nil {
		return host.Scheme + "://" + host.Name + "/seldon/" + namespace + "/" + app + path
	}
	return "http://" + app + "-default." + namespace + ".svc.cluster.local:8000" + path
}
