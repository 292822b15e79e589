package seldon

import (
	"bytes"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/openmodelops/fuseml-seldon/convert"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	assert.Equal(t, string(want), string(got), "golden file %s (refresh with -update)", path)
}

func toYAML(t *testing.T, objs []*unstructured.Unstructured) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, o := range objs {
		require.NoError(t, enc.Encode(o.Object))
	}
	require.NoError(t, enc.Close())
	return buf.Bytes()
}

func sampleSpec(api convert.API) Spec {
	return Spec{
		API: api, App: "acme-churn-predict", Namespace: "fuseml-workloads",
		Workflow: "mlflow-seldon", Org: "acme", Project: "churn",
		Server: "SKLEARN_SERVER", Protocol: convert.ProtocolSeldon,
		ModelURI:     "s3://mlflow-artifacts/1/abc/artifacts/model/seldon/sklearn",
		Requirements: []string{"sklearn"},
		Replicas:     2,
		Limits:       map[string]string{"cpu": "2", "memory": "4Gi"},
		Parameters:   []Parameter{{Name: "method", Type: "STRING", Value: "predict"}},
		S3: S3Access{Endpoint: "http://mlflow-minio.fuseml-core:9000", AccessKeyID: "AKIDEXAMPLE",
			SecretAccessKey: "s3cr3t-value", Region: "us-east-1"},
		IstioGateway: "fuseml-workloads/seldon-gateway",
		IstioHost:    "acme-churn-predict.seldon.example.com",
	}
}

func TestBuildGolden(t *testing.T) {
	for _, api := range []convert.API{convert.V1, convert.V2} {
		t.Run(string(api), func(t *testing.T) {
			objs, err := Build(sampleSpec(api))
			require.NoError(t, err)
			golden(t, "objects-"+string(api)+".yaml", toYAML(t, Redacted(objs.All())))
		})
	}
}

func TestSecrets(t *testing.T) {
	objs, err := Build(sampleSpec(convert.V1))
	require.NoError(t, err)
	data := decode(t, objs.Secret)
	assert.Equal(t, map[string]string{
		"RCLONE_CONFIG_S3_TYPE":              "s3",
		"RCLONE_CONFIG_S3_PROVIDER":          "Minio",
		"RCLONE_CONFIG_S3_ENV_AUTH":          "false",
		"RCLONE_CONFIG_S3_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"RCLONE_CONFIG_S3_SECRET_ACCESS_KEY": "s3cr3t-value",
		"RCLONE_CONFIG_S3_ENDPOINT":          "http://mlflow-minio.fuseml-core:9000",
		"RCLONE_CONFIG_S3_REGION":            "us-east-1",
	}, data)
	assert.Equal(t, "acme-churn-predict-init-container-secret", objs.Secret.GetName())

	aws := sampleSpec(convert.V1)
	aws.S3.Endpoint = ""
	objs, err = Build(aws)
	require.NoError(t, err)
	assert.Equal(t, "AWS", decode(t, objs.Secret)["RCLONE_CONFIG_S3_PROVIDER"])

	objs, err = Build(sampleSpec(convert.V2))
	require.NoError(t, err)
	var conf map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(decode(t, objs.Secret)["s3"]), &conf))
	assert.Equal(t, map[string]any{"type": "s3", "name": "s3", "parameters": map[string]any{
		"provider": "minio", "env_auth": "false", "access_key_id": "AKIDEXAMPLE",
		"secret_access_key": "s3cr3t-value", "endpoint": "http://mlflow-minio.fuseml-core:9000", "region": "us-east-1",
	}}, conf)

	// Only the Secret holds the secret key, and Redacted hides it.
	for _, o := range objs.All() {
		y := string(toYAML(t, []*unstructured.Unstructured{o}))
		if o.GetKind() != "Secret" {
			assert.NotContains(t, y, "s3cr3t-value")
		}
	}
	red := string(toYAML(t, Redacted(objs.All())))
	assert.NotContains(t, red, base64.StdEncoding.EncodeToString([]byte("s3cr3t")))
	assert.NotContains(t, red, "s3cr3t-value")
	assert.NotContains(t, string(toYAML(t, Redacted(objs.All()))), decodeRaw(t, objs.Secret, "s3"))
}

func decode(t *testing.T, secret *unstructured.Unstructured) map[string]string {
	out := map[string]string{}
	data, _, _ := unstructured.NestedStringMap(secret.Object, "data")
	for k, v := range data {
		b, err := base64.StdEncoding.DecodeString(v)
		require.NoError(t, err)
		out[k] = string(b)
	}
	return out
}

func decodeRaw(t *testing.T, secret *unstructured.Unstructured, key string) string {
	v, _, _ := unstructured.NestedString(secret.Object, "data", key)
	return v
}

func TestBuildErrors(t *testing.T) {
	for name, mutate := range map[string]func(*Spec){
		"no app":       func(s *Spec) { s.App = "" },
		"no namespace": func(s *Spec) { s.Namespace = "" },
		"no model":     func(s *Spec) { s.ModelURI = "" },
		"no server":    func(s *Spec) { s.Server = "" },
		"bad api":      func(s *Spec) { s.API = "v3" },
	} {
		s := sampleSpec(convert.V1)
		mutate(&s)
		_, err := Build(s)
		assert.Error(t, err, name)
	}
}

func TestLabelValue(t *testing.T) {
	assert.Equal(t, "My-Org", LabelValue("My Org"))
	assert.Equal(t, "a.b_c-d", LabelValue("-a.b_c-d."))
	assert.Len(t, LabelValue(strings.Repeat("x", 100)), 63)
	assert.Equal(t, "", LabelValue("///"))
}

func TestPredictionURL(t *testing.T) {
	gw := &Host{Scheme: "http", Name: "app1.seldon.example.com"}
	tests := []struct {
		api      convert.API
		protocol convert.Protocol
		host     *Host
		want     string
	}{
		{convert.V1, convert.ProtocolSeldon, gw, "http://app1.seldon.example.com/seldon/ns1/app1/api/v1.0/predictions"},
		{convert.V1, convert.ProtocolTensorFlow, gw, "http://app1.seldon.example.com/seldon/ns1/app1/v1/models/app1:predict"},
		{convert.V1, convert.ProtocolV2, gw, "http://app1.seldon.example.com/seldon/ns1/app1/v2/models/app1/infer"},
		{convert.V2, convert.ProtocolV2, gw, "http://app1.seldon.example.com/v2/models/app1/infer"},
		{convert.V1, convert.ProtocolSeldon, nil, "http://app1-default.ns1.svc.cluster.local:8000/api/v1.0/predictions"},
		{convert.V2, convert.ProtocolV2, nil, "http://seldon-mesh.ns1.svc.cluster.local/v2/models/app1/infer"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, PredictionURL(tt.api, tt.protocol, tt.host, "ns1", "app1"))
	}
	d := DomainHost("https://models.example.org.", "app1")
	assert.Equal(t, Host{Scheme: "https", Name: "app1.models.example.org", Source: "--seldon-domain"}, d)
}

func TestHostFromGateway(t *testing.T) {
	gw := func(server map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"metadata": map[string]any{"name": GatewayName, "namespace": "ns1"},
			"spec":     map[string]any{"servers": []any{server}},
		}}
	}
	h, ok, err := hostFromGateway(gw(map[string]any{"hosts": []any{"*.seldon.example.com"}, "port": map[string]any{"number": int64(80), "protocol": "HTTP"}}), "app1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, Host{Scheme: "http", Name: "app1.seldon.example.com", Source: "gateway ns1/seldon-gateway"}, h)

	h, ok, _ = hostFromGateway(gw(map[string]any{"hosts": []any{"istio-system/*.secure.example.com"}, "port": map[string]any{"protocol": "HTTPS"}}), "app1")
	require.True(t, ok)
	assert.Equal(t, "https", h.Scheme)
	assert.Equal(t, "app1.secure.example.com", h.Name)

	_, ok, _ = hostFromGateway(gw(map[string]any{"hosts": []any{"*"}}), "app1")
	assert.False(t, ok, "a bare * names no host")
}

func TestReadiness(t *testing.T) {
	sdep := func(state, desc string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"kind": "SeldonDeployment", "metadata": map[string]any{"name": "a"}}}
		if state != "" {
			u.Object["status"] = map[string]any{"state": state, "description": desc}
		}
		return u
	}
	r := readiness(sdep("", ""))
	assert.False(t, r.done)
	r = readiness(sdep("Creating", ""))
	assert.False(t, r.done)
	assert.Equal(t, `"Creating"`, r.state)
	r = readiness(sdep("Available", ""))
	assert.True(t, r.done)
	assert.NoError(t, r.err)
	r = readiness(sdep("Failed", "Deployment does not have minimum availability"))
	assert.True(t, r.done)
	assert.EqualError(t, r.err, `SeldonDeployment a failed: Seldon reports state "Failed": Deployment does not have minimum availability`)
	assert.ErrorIs(t, r.err, ErrNotReady)

	model := func(status, reason, msg string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"kind": "Model", "metadata": map[string]any{"name": "m"},
			"status": map[string]any{"conditions": []any{
				map[string]any{"type": "Ready", "status": status},
				map[string]any{"type": "ModelReady", "status": status, "reason": reason, "message": msg},
			}}}}
	}
	assert.True(t, readiness(model("True", "ModelAvailable", "")).done)
	r = readiness(model("False", "ScheduleFailed", "failed to schedule model: no matching servers"))
	assert.True(t, r.done)
	assert.EqualError(t, r.err, `Model m failed: Seldon reports state "ModelReady False (ScheduleFailed)": failed to schedule model: no matching servers`)
	r = readiness(model("False", "ModelProgressing", "loading"))
	assert.False(t, r.done)
	assert.Equal(t, "ModelReady False (ModelProgressing): loading", r.state)
}
