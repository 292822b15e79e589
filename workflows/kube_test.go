// This test needs the real kube-apiserver test environment of e2e/testserver (StartKube,
// InstallCRDs, TektonCRDFiles); it skips under -short or where the servers are not built.

package workflows

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/openmodelops/fuseml-seldon/e2e/testserver"
)

var (
	pipelinesGVR       = schema.GroupVersionResource{Group: "tekton.dev", Version: "v1", Resource: "pipelines"}
	tasksGVR           = schema.GroupVersionResource{Group: "tekton.dev", Version: "v1", Resource: "tasks"}
	secretsGVR         = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	serviceAccountsGVR = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
	rolesGVR           = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"}
	roleBindingsGVR    = schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"}
)

func TestMain(m *testing.M) { os.Exit(testserver.Main(m)) }

// TestKubeAcceptsCompiledObjects applies what `fuseml workflow compile` prints, and the
// shipped Task with its RBAC, to a real kube-apiserver with Tekton's CRDs installed (read
// from the tektoncd/pipeline module's config/ folder in the module cache).
func TestKubeAcceptsCompiledObjects(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a kube-apiserver: skipped under -short")
	}
	k := testserver.StartKube(t)
	k.InstallCRDs(t, testserver.TektonCRDFiles(t)...)
	dyn := k.Dynamic()
	ctx := context.Background()

	for _, tc := range compileCases {
		t.Run(tc.name, func(t *testing.T) {
			ns := k.NewNamespace(t)
			wf, err := ParseFile(tc.file)
			require.NoError(t, err)
			c, err := Compile(ctx, wf, Options{
				Namespace: ns,
				Consumer:  Consumer{Project: tc.project, User: tc.user},
				Resolver:  exampleRegistry(),
			})
			require.NoError(t, err)

			// Exactly what the CLI prints, document by document.
			var out bytes.Buffer
			require.NoError(t, c.WriteYAML(&out))
			objs := splitYAML(t, out.Bytes())
			require.Len(t, objs, 2, "a Secret and a Pipeline")

			for _, obj := range objs {
				switch obj.GetKind() {
				case "Secret":
					// Created the plain way...
					_, err := dyn.Resource(secretsGVR).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{FieldValidation: "Strict"})
					require.NoError(t, err, "creating the Secret")
				case "Pipeline":
					// ...and the Pipeline with server-side apply, as `kubectl apply --server-side` does.
					data, err := json.Marshal(obj.Object)
					require.NoError(t, err)
					_, err = dyn.Resource(pipelinesGVR).Namespace(ns).Patch(ctx, obj.GetName(), types.ApplyPatchType, data,
						metav1.PatchOptions{FieldManager: "fuseml", FieldValidation: "Strict"})
					require.NoError(t, err, "applying the Pipeline")
				default:
					t.Fatalf("unexpected %s in the output", obj.GetKind())
				}
			}

			// What the server stored is what was compiled.
			got, err := dyn.Resource(pipelinesGVR).Namespace(ns).Get(ctx, wf.Name, metav1.GetOptions{})
			require.NoError(t, err)
			want, err := cleanObject(c.Pipeline)
			require.NoError(t, err)
			assert.Equal(t, want["spec"], got.Object["spec"])
			assert.Equal(t, wf.Name, got.GetLabels()[LabelWorkflow])

			secret, err := dyn.Resource(secretsGVR).Namespace(ns).Get(ctx, SecretName(wf.Name), metav1.GetOptions{})
			require.NoError(t, err)
			data, _, err := unstructured.NestedStringMap(secret.Object, "data")
			require.NoError(t, err)
			assert.Len(t, data, len(c.Secret.Data))
		})
	}

	t.Run("predictor task and RBAC", func(t *testing.T) {
		ns := k.NewNamespace(t)
		data, err := os.ReadFile(predictorTaskFile)
		require.NoError(t, err)
		for _, obj := range splitYAML(t, data) {
			gvr := map[string]schema.GroupVersionResource{
				"ServiceAccount": serviceAccountsGVR,
				"Role":           rolesGVR,
				"RoleBinding":    roleBindingsGVR,
				"Task":           tasksGVR,
			}[obj.GetKind()]
			require.NotEmpty(t, gvr.Resource, "unexpected %s", obj.GetKind())
			body, err := json.Marshal(obj.Object)
			require.NoError(t, err)
			_, err = dyn.Resource(gvr).Namespace(ns).Patch(ctx, obj.GetName(), types.ApplyPatchType, body,
				metav1.PatchOptions{FieldManager: "fuseml", FieldValidation: "Strict"})
			require.NoError(t, err, "applying %s %s", obj.GetKind(), obj.GetName())
		}
		_, err = dyn.Resource(tasksGVR).Namespace(ns).Get(ctx, "seldon-core-predictor", metav1.GetOptions{})
		require.NoError(t, err)
	})
}

// splitYAML decodes a multi-document YAML stream into objects.
func splitYAML(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var out []*unstructured.Unstructured
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var m map[string]any
		require.NoError(t, yaml.Unmarshal(doc, &m))
		if len(m) == 0 {
			continue // the comment block before the first document
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out
}
