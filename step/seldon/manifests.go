package seldon

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/openmodelops/fuseml-seldon/convert"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resources of the Kubernetes API this package uses.
var (
	SeldonDeploymentGVR = schema.GroupVersionResource{Group: "machinelearning.seldon.io", Version: "v1", Resource: "seldondeployments"}
	ModelGVR            = schema.GroupVersionResource{Group: "mlops.seldon.io", Version: "v1alpha1", Resource: "models"}
	GatewayGVR          = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1beta1", Resource: "gateways"}
	SecretGVR           = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	ServiceAccountGVR   = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
)

// FuseML's labels on every object, kept so that existing clusters keep working.
const (
	LabelAppName  = "fuseml/app-name"
	LabelWorkflow = "fuseml/workflow"
	LabelOrg      = "fuseml/org"
	LabelProject  = "fuseml/project"
	LabelManaged  = "app.kubernetes.io/managed-by"
	// ManagedBy is the value of LabelManaged and the server-side apply field manager.
	ManagedBy = "seldon-core-predictor"
)

// S3Access is what the Seldon storage initializer needs to fetch the model.
type S3Access struct {
	// Endpoint is the S3-compatible endpoint URL (MinIO); empty means AWS S3.
	Endpoint        string
	AccessKeyID     string
	SecretAccessKey string
	Region          string
}

// Parameter is a parameter of the model server (SeldonDeployment graph parameters).
type Parameter struct {
	Name, Type, Value string
}

// Spec is everything the objects of one prediction service are built from.
type Spec struct {
	// API is convert.V1 (a SeldonDeployment) or convert.V2 (a Model).
	API       convert.API
	App       string
	Namespace string
	// Workflow, Org and Project label the objects; Workflow also marks ownership.
	Workflow, Org, Project string
	// Server is the Seldon v1 prepackaged server (SKLEARN_SERVER, ...); Protocol is
	// seldon, tensorflow or v2.
	Server   convert.Server
	Protocol convert.Protocol
	// ModelURI is where the server loads the model from (graph modelUri, Model storageUri).
	ModelURI string
	// Requirements are the Seldon v2 Model's requirements (sklearn, tensorflow, ...).
	Requirements []string
	// Replicas of the server: a SeldonDeployment's predictor gets 1 when 0; a v2 Model
	// gets none when 0, which leaves its replicas to Seldon and to whoever scales it
	// (kubectl scale, an autoscaler), untouched by reruns.
	Replicas int32
	// Limits are resource limits of the server container (cpu, memory, ...).
	Limits     map[string]string
	Parameters []Parameter
	S3         S3Access
	// IstioGateway and IstioHost become the seldon.io/istio-gateway and seldon.io/istio-host
	// annotations when set.
	IstioGateway string
	IstioHost    string
}

// SecretName, ServiceAccountName: FuseML's names for the objects beside the service.
func SecretName(app string) string         { return app + "-init-container-secret" }
func ServiceAccountName(app string) string { return app + "-seldon" }

// Objects are the objects of one prediction service, in the order they are applied.
type Objects struct {
	Secret *unstructured.Unstructured
	// ServiceAccount is nil for Seldon v2.
	ServiceAccount *unstructured.Unstructured
	// Service is the SeldonDeployment (v1) or Model (v2).
	Service *unstructured.Unstructured
}

// All lists the objects that exist, in apply order.
func (o Objects) All() []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, u := range []*unstructured.Unstructured{o.Secret, o.ServiceAccount, o.Service} {
		if u != nil {
			out = append(out, u)
		}
	}
	return out
}

// Build returns the objects for spec.
func Build(spec Spec) (Objects, error) {
	if err := spec.check(); err != nil {
		return Objects{}, err
	}
	switch spec.API {
	case convert.V1:
		return Objects{Secret: secretV1(spec), ServiceAccount: serviceAccount(spec), Service: seldonDeployment(spec)}, nil
	case convert.V2:
		secret, err := secretV2(spec)
		if err != nil {
			return Objects{}, err
		}
		return Objects{Secret: secret, Service: model(spec)}, nil
	}
	return Objects{}, fmt.Errorf("seldon API %q: expected v1 or v2", spec.API)
}

func (s Spec) check() error {
	switch {
	case s.App == "":
		return fmt.Errorf("no application name")
	case s.Namespace == "":
		return fmt.Errorf("no namespace")
	case s.ModelURI == "":
		return fmt.Errorf("no model URI")
	case s.API == convert.V1 && s.Server == "":
		return fmt.Errorf("no Seldon server")
	}
	return nil
}

func (s Spec) labels() map[string]any {
	l := map[string]any{
		LabelAppName: s.App,
		LabelManaged: ManagedBy,
	}
	for k, v := range map[string]string{LabelWorkflow: s.Workflow, LabelOrg: s.Org, LabelProject: s.Project} {
		if v = LabelValue(v); v != "" {
			l[k] = v
		}
	}
	return l
}

var labelInvalid = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// LabelValue turns s into a valid label value: at most 63 characters of letters, digits,
// '.', '_' and '-', beginning and ending with a letter or digit.
func LabelValue(s string) string {
	v := labelInvalid.ReplaceAllString(s, "-")
	if len(v) > 63 {
		v = v[:63]
	}
	return strings.Trim(v, "._-")
}

func object(apiVersion, kind string, s Spec, name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion,
		"kind":       kind,
		"metadata": map[string]any{
			"name":      name,
			"namespace": s.Namespace,
			"labels":    s.labels(),
		},
	}}
}

// rcloneProvider is the rclone S3 provider: Minio for an S3-compatible endpoint, AWS
// otherwise.
func (a S3Access) rcloneProvider() string {
	if a.Endpoint != "" {
		return "Minio"
	}
	return "AWS"
}

// secretV1 holds the rclone settings as environment variables, the form the Seldon Core
// v1 storage initializer reads through envSecretRefName.
func secretV1(s Spec) *unstructured.Unstructured {
	env := map[string]string{
		"RCLONE_CONFIG_S3_TYPE":              "s3",
		"RCLONE_CONFIG_S3_PROVIDER":          s.S3.rcloneProvider(),
		"RCLONE_CONFIG_S3_ENV_AUTH":          "false",
		"RCLONE_CONFIG_S3_ACCESS_KEY_ID":     s.S3.AccessKeyID,
		"RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": s.S3.SecretAccessKey,
		"RCLONE_CONFIG_S3_ENDPOINT":          s.S3.Endpoint,
	}
	if s.S3.Region != "" {
		env["RCLONE_CONFIG_S3_REGION"] = s.S3.Region
	}
	u := object("v1", "Secret", s, SecretName(s.App))
	u.Object["type"] = "Opaque"
	u.Object["data"] = encodeData(env)
	return u
}

// secretV2 holds one rclone remote in the YAML form Seldon Core v2 reads from the Secret a
// Model names in secretName.
func secretV2(s Spec) (*unstructured.Unstructured, error) {
	params := map[string]string{
		"provider":          strings.ToLower(s.S3.rcloneProvider()),
		"env_auth":          "false",
		"access_key_id":     s.S3.AccessKeyID,
		"secret_access_key": s.S3.SecretAccessKey,
	}
	if s.S3.Endpoint != "" {
		params["endpoint"] = s.S3.Endpoint
	}
	if s.S3.Region != "" {
		params["region"] = s.S3.Region
	}
	conf, err := yaml.Marshal(map[string]any{"type": "s3", "name": "s3", "parameters": params})
	if err != nil {
		return nil, fmt.Errorf("rclone config: %w", err)
	}
	u := object("v1", "Secret", s, SecretName(s.App))
	u.Object["type"] = "Opaque"
	u.Object["data"] = encodeData(map[string]string{"s3": string(conf)})
	return u, nil
}

func encodeData(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = base64.StdEncoding.EncodeToString([]byte(v))
	}
	return out
}

func serviceAccount(s Spec) *unstructured.Unstructured {
	return object("v1", "ServiceAccount", s, ServiceAccountName(s.App))
}

func seldonDeployment(s Spec) *unstructured.Unstructured {
	graph := map[string]any{
		"name":               s.App,
		"implementation":     string(s.Server),
		"modelUri":           s.ModelURI,
		"envSecretRefName":   SecretName(s.App),
		"serviceAccountName": ServiceAccountName(s.App),
		"children":           []any{},
	}
	if len(s.Parameters) > 0 {
		var ps []any
		for _, p := range s.Parameters {
			ps = append(ps, map[string]any{"name": p.Name, "type": p.Type, "value": p.Value})
		}
		graph["parameters"] = ps
	}
	predictor := map[string]any{
		"name":     "default",
		"replicas": int64(replicas(s.Replicas)),
		"graph":    graph,
	}
	if len(s.Limits) > 0 {
		predictor["componentSpecs"] = []any{map[string]any{
			"spec": map[string]any{
				"containers": []any{map[string]any{
					"name":      s.App,
					"resources": map[string]any{"limits": stringMap(s.Limits)},
				}},
			},
		}}
	}
	u := object("machinelearning.seldon.io/v1", "SeldonDeployment", s, s.App)
	if ann := s.annotations(); len(ann) > 0 {
		u.Object["metadata"].(map[string]any)["annotations"] = ann
	}
	u.Object["spec"] = map[string]any{
		"name":       s.App,
		"protocol":   string(s.Protocol),
		"predictors": []any{predictor},
	}
	return u
}

func (s Spec) annotations() map[string]any {
	ann := map[string]any{}
	if s.IstioGateway != "" {
		ann["seldon.io/istio-gateway"] = s.IstioGateway
	}
	if s.IstioHost != "" {
		ann["seldon.io/istio-host"] = s.IstioHost
	}
	return ann
}

func model(s Spec) *unstructured.Unstructured {
	spec := map[string]any{
		"storageUri": s.ModelURI,
		"secretName": SecretName(s.App),
	}
	if s.Replicas > 0 {
		spec["replicas"] = int64(s.Replicas)
	}
	if len(s.Requirements) > 0 {
		reqs := make([]any, len(s.Requirements))
		for i, r := range s.Requirements {
			reqs[i] = r
		}
		spec["requirements"] = reqs
	}
	if mem, ok := s.Limits["memory"]; ok {
		spec["memory"] = mem
	}
	u := object("mlops.seldon.io/v1alpha1", "Model", s, s.App)
	u.Object["spec"] = spec
	return u
}

func replicas(n int32) int32 {
	if n <= 0 {
		return 1
	}
	return n
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Redacted returns a deep copy of the objects with every Secret value replaced by "***",
// for printing (dry runs, logs).
func Redacted(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		c := o.DeepCopy()
		if c.GetKind() == "Secret" {
			for _, field := range []string{"data", "stringData"} {
				if m, ok := c.Object[field].(map[string]any); ok {
					keys := make([]string, 0, len(m))
					for k := range m {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					red := make(map[string]any, len(m))
					for _, k := range keys {
						red[k] = "***"
					}
					c.Object[field] = red
				}
			}
		}
		out[i] = c
	}
	return out
}
