package workflows

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

const predictorTaskFile = "tasks/seldon-core-predictor.yaml"

// predictorTaskObjects are the objects of the shipped Task file, decoded strictly.
type predictorTaskObjects struct {
	serviceAccount *corev1.ServiceAccount
	role           *rbacv1.Role
	roleBinding    *rbacv1.RoleBinding
	task           *pipelinev1.Task
}

func readPredictorTask(t *testing.T) predictorTaskObjects {
	t.Helper()
	data, err := os.ReadFile(predictorTaskFile)
	require.NoError(t, err)
	var objs predictorTaskObjects
	kinds := map[string]int{}
	for _, doc := range regexp.MustCompile(`(?m)^---$`).Split(string(data), -1) {
		var meta struct{ APIVersion, Kind string }
		require.NoError(t, yaml.Unmarshal([]byte(doc), &meta))
		key := meta.APIVersion + "/" + meta.Kind
		kinds[key]++
		var target any
		switch key {
		case "v1/ServiceAccount":
			objs.serviceAccount = &corev1.ServiceAccount{}
			target = objs.serviceAccount
		case "rbac.authorization.k8s.io/v1/Role":
			objs.role = &rbacv1.Role{}
			target = objs.role
		case "rbac.authorization.k8s.io/v1/RoleBinding":
			objs.roleBinding = &rbacv1.RoleBinding{}
			target = objs.roleBinding
		case "tekton.dev/v1/Task":
			objs.task = &pipelinev1.Task{}
			target = objs.task
		default:
			t.Fatalf("%s holds %s: it ships the Task and its RBAC, nothing more", predictorTaskFile, key)
		}
		require.NoError(t, yaml.UnmarshalStrict([]byte(doc), target), key)
	}
	for k, n := range kinds {
		assert.Equal(t, 1, n, "%s appears %d times", k, n)
	}
	require.NotNil(t, objs.serviceAccount, "no ServiceAccount")
	require.NotNil(t, objs.role, "no Role")
	require.NotNil(t, objs.roleBinding, "no RoleBinding")
	require.NotNil(t, objs.task, "no Task")
	return objs
}

func TestPredictorTaskPassesTektonValidation(t *testing.T) {
	task := readPredictorTask(t).task.DeepCopy()
	ctx := context.Background()
	task.SetDefaults(ctx)
	if fe := task.Validate(ctx); fe != nil {
		t.Fatalf("%s fails Tekton validation: %v", predictorTaskFile, fe)
	}
}

// TestPredictorTaskMatchesStepInputs keeps the standalone Task in step with the step's
// inputs: every variable the step reads is set once, from a param (credentials from a
// Secret named by a param), and TASK_RESULT names the Task's result.
func TestPredictorTaskMatchesStepInputs(t *testing.T) {
	task := readPredictorTask(t).task
	require.Len(t, task.Spec.Steps, 1)
	step := task.Spec.Steps[0]
	assert.Equal(t, []string{"run"}, step.Command)
	assert.Equal(t, "$(params.image)", step.Image)

	params := map[string]pipelinev1.ParamSpec{}
	for _, p := range task.Spec.Params {
		params[p.Name] = p
		assert.NotEmpty(t, p.Description, "param %s has no description", p.Name)
		if p.Name != "model" {
			assert.NotNil(t, p.Default, "param %s has no default: only the model is required", p.Name)
		}
	}
	require.Len(t, task.Spec.Results, 1)
	assert.Equal(t, PredictorResult, task.Spec.Results[0].Name)
	assert.NotEmpty(t, task.Spec.Results[0].Description)

	paramRef := regexp.MustCompile(`^\$\(params\.([A-Za-z0-9_-]+)\)$`)
	used := map[string]bool{"image": true}
	env := map[string]corev1.EnvVar{}
	for _, e := range step.Env {
		_, dup := env[e.Name]
		assert.False(t, dup, "env %s is set twice", e.Name)
		env[e.Name] = e
		assert.Contains(t, PredictorStepInputs, e.Name, "env %s is not an input of the step", e.Name)
	}
	credentials := map[string]bool{"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true, "FUSEML_TOKEN": true}
	for _, name := range PredictorStepInputs {
		e, ok := env[name]
		if !assert.True(t, ok, "the Task does not set %s", name) {
			continue
		}
		switch {
		case name == EnvTaskResult:
			assert.Equal(t, PredictorResult, e.Value, "TASK_RESULT must name the Task's result")
		case name == EnvWorkflowNamespace:
			assert.Equal(t, namespaceVariable, e.Value, "the namespace is the TaskRun's")
		case credentials[name]:
			if assert.NotNil(t, e.ValueFrom, "%s is a credential: it must come from a Secret", name) {
				ref := e.ValueFrom.SecretKeyRef
				require.NotNil(t, ref, name)
				m := paramRef.FindStringSubmatch(ref.Name)
				if assert.NotNil(t, m, "%s: the Secret must be named by a param, not %q", name, ref.Name) {
					assert.Contains(t, params, m[1], "%s: undeclared param %s", name, m[1])
					used[m[1]] = true
				}
			}
		default:
			m := paramRef.FindStringSubmatch(e.Value)
			if !assert.NotNil(t, m, "%s must be exactly $(params.NAME), not %q", name, e.Value) {
				continue
			}
			assert.Contains(t, params, m[1], "%s: undeclared param %s", name, m[1])
			used[m[1]] = true
			// A FuseML step input keeps its workflow name: FUSEML_APP_NAME <- app_name.
			if strings.HasPrefix(name, InputEnvPrefix) && !strings.HasPrefix(name, "FUSEML_ENV_") &&
				name != "FUSEML_SERVER_URL" {
				assert.Equal(t, name, InputEnv(m[1]), "param %s does not carry input %s", m[1], name)
			}
		}
	}
	for p := range params {
		assert.True(t, used[p], "param %s is declared but not used", p)
	}
}

func TestPredictorTaskRBAC(t *testing.T) {
	objs := readPredictorTask(t)
	sa, role, rb := objs.serviceAccount, objs.role, objs.roleBinding
	for _, meta := range []string{sa.Namespace, role.Namespace, rb.Namespace} {
		assert.Empty(t, meta, "the RBAC applies in the namespace it is applied to")
	}
	assert.Equal(t, rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name}, rb.RoleRef)
	assert.Equal(t, []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa.Name}}, rb.Subjects)

	allowed := func(group, resource, verb string) bool {
		for _, r := range role.Rules {
			if contains(r.APIGroups, group) && contains(r.Resources, resource) && contains(r.Verbs, verb) {
				return true
			}
		}
		return false
	}
	writes := []string{"get", "create", "update", "patch"}
	needs := []struct {
		group, resource string
		verbs           []string
	}{
		{"", "secrets", writes},
		{"", "serviceaccounts", writes},
		{"machinelearning.seldon.io", "seldondeployments", append(writes, "watch")},
		{"mlops.seldon.io", "models", append(writes, "watch")},
		{"networking.istio.io", "gateways", []string{"get", "list"}},
	}
	for _, n := range needs {
		for _, v := range n.verbs {
			assert.True(t, allowed(n.group, n.resource, v), "the Role does not allow %s on %s.%s", v, n.resource, n.group)
		}
	}
	// Nothing beyond what the step does: no deletes, no wildcards.
	for _, r := range role.Rules {
		for _, list := range [][]string{r.APIGroups, r.Resources, r.Verbs} {
			assert.NotContains(t, list, "*")
		}
		assert.NotContains(t, r.Verbs, "delete")
		assert.NotContains(t, r.Verbs, "deletecollection")
	}
	assert.False(t, allowed("networking.istio.io", "gateways", "patch"), "gateways are only read")
}
