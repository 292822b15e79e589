package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Resources the flow reads and writes.
var (
	PipelineGVR = schema.GroupVersionResource{Group: "tekton.dev", Version: "v1", Resource: "pipelines"}
	SecretGVR   = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
)

// fieldManager is the server-side apply field manager of what the flow applies, as
// `kubectl apply --server-side` would be.
const fieldManager = "fuseml-e2e"

// Compiled is the output of `fuseml workflow compile`, as applied to the API server.
type Compiled struct {
	// Objects are the compiled objects in their order: the Secret, then the Pipeline.
	Objects []*unstructured.Unstructured
	// Pipeline is the Pipeline among them, typed.
	Pipeline *pipelinev1.Pipeline
}

// Compile runs `fuseml workflow compile` on the workflow file for namespace, project and
// user, and parses its JSON List.
func (f *Flow) Compile(ctx context.Context, workflow, namespace, project, user string) (*Compiled, error) {
	out, err := f.MustCLI(ctx, "workflow", "compile", "-f", workflow, "--namespace", namespace,
		"--project", project, "--user", user, "-o", "json")
	if err != nil {
		return nil, err
	}
	return ParseCompiled(out)
}

// ParseCompiled reads what `fuseml workflow compile -o json` printed: a JSON List.
func ParseCompiled(out string) (*Compiled, error) {
	var list struct {
		Kind  string           `json:"kind"`
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || list.Kind != "List" {
		return nil, fmt.Errorf("fuseml workflow compile printed no JSON List (%v)", err)
	}
	c := &Compiled{}
	for _, item := range list.Items {
		u := &unstructured.Unstructured{Object: item}
		c.Objects = append(c.Objects, u)
		if u.GetKind() == "Pipeline" {
			data, _ := json.Marshal(item)
			c.Pipeline = &pipelinev1.Pipeline{}
			if err := json.Unmarshal(data, c.Pipeline); err != nil {
				return nil, fmt.Errorf("reading the compiled Pipeline: %w", err)
			}
		}
	}
	if c.Pipeline == nil {
		return nil, fmt.Errorf("fuseml workflow compile printed no Pipeline")
	}
	return c, nil
}

// Apply applies the compiled objects to the API server with server-side apply, as
// `kubectl apply --server-side -f` does, in their order.
func (f *Flow) Apply(ctx context.Context, c *Compiled) error {
	for _, obj := range c.Objects {
		gvr := SecretGVR
		if obj.GetKind() == "Pipeline" {
			gvr = PipelineGVR
		}
		data, err := json.Marshal(obj.Object)
		if err != nil {
			return err
		}
		force := true
		_, err = f.Kube.Resource(gvr).Namespace(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: fieldManager, Force: &force, FieldValidation: "Strict"})
		if err != nil {
			return fmt.Errorf("applying %s %s/%s: %w", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
		f.transcript("kubectl apply --server-side: %s %s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
	}
	return nil
}

// variable is a Tekton substitution: $(params.NAME) or $(context.taskRun.namespace).
var variable = regexp.MustCompile(`\$\(([^()]*)\)`)

// TaskEnv is the environment that the step of the Pipeline's task gets in a run with
// the given param values, in namespace: what Tekton substitutes ($(params.…) from the
// run's values and the params' defaults, through the pipeline task's params;
// $(context.taskRun.namespace)) and what the kubelet then resolves (secretKeyRef, read
// from the Secret in the API server; optional ones may be missing). Entries come in the
// order of the step's env, as NAME=VALUE.
func (f *Flow) TaskEnv(ctx context.Context, p *pipelinev1.Pipeline, task string, run map[string]string, namespace string) ([]string, error) {
	pparams := map[string]string{}
	for _, ps := range p.Spec.Params {
		v, ok := run[ps.Name]
		if !ok {
			if ps.Default == nil {
				return nil, fmt.Errorf("the run gives no value for the param %q, which has no default", ps.Name)
			}
			v = ps.Default.StringVal
		}
		pparams[ps.Name] = v
	}
	for name := range run {
		if _, ok := pparams[name]; !ok {
			return nil, fmt.Errorf("the Pipeline has no param %q", name)
		}
	}
	var pt *pipelinev1.PipelineTask
	for i := range p.Spec.Tasks {
		if p.Spec.Tasks[i].Name == task {
			pt = &p.Spec.Tasks[i]
		}
	}
	if pt == nil || pt.TaskSpec == nil {
		return nil, fmt.Errorf("the Pipeline has no task %q with an embedded spec", task)
	}
	pipelineCtx := func(ref string) (string, bool) {
		if name, ok := strings.CutPrefix(ref, "params."); ok {
			v, ok := pparams[name]
			return v, ok
		}
		return "", false
	}
	given := map[string]string{}
	for _, param := range pt.Params {
		v, err := substitute(param.Value.StringVal, pipelineCtx)
		if err != nil {
			return nil, fmt.Errorf("task %s param %s: %w", task, param.Name, err)
		}
		given[param.Name] = v
	}
	tparams := map[string]string{}
	for _, ps := range pt.TaskSpec.Params {
		v, ok := given[ps.Name]
		if !ok {
			if ps.Default == nil {
				return nil, fmt.Errorf("task %s param %s has no value", task, ps.Name)
			}
			v = ps.Default.StringVal
		}
		tparams[ps.Name] = v
	}
	taskCtx := func(ref string) (string, bool) {
		if ref == "context.taskRun.namespace" {
			return namespace, true
		}
		if name, ok := strings.CutPrefix(ref, "params."); ok {
			v, ok := tparams[name]
			return v, ok
		}
		return "", false
	}
	if len(pt.TaskSpec.Steps) != 1 {
		return nil, fmt.Errorf("task %s has %d steps, want 1", task, len(pt.TaskSpec.Steps))
	}
	secrets := map[string]map[string]any{}
	var env []string
	for _, e := range pt.TaskSpec.Steps[0].Env {
		switch {
		case e.ValueFrom == nil:
			v, err := substitute(e.Value, taskCtx)
			if err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
			env = append(env, e.Name+"="+v)
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			name, err := substitute(ref.Name, taskCtx)
			if err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
			data, ok := secrets[name]
			if !ok {
				s, err := f.Kube.Resource(SecretGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
				if err != nil && !(ref.Optional != nil && *ref.Optional) {
					return nil, fmt.Errorf("env %s: reading the Secret %s/%s: %w", e.Name, namespace, name, err)
				}
				if err == nil {
					data, _, _ = unstructured.NestedMap(s.Object, "data")
				}
				secrets[name] = data
			}
			enc, ok := data[ref.Key].(string)
			if !ok {
				if ref.Optional != nil && *ref.Optional {
					continue
				}
				return nil, fmt.Errorf("env %s: the Secret %s/%s has no key %s", e.Name, namespace, name, ref.Key)
			}
			v, err := decodeBase64(enc)
			if err != nil {
				return nil, fmt.Errorf("env %s: the Secret %s/%s key %s: %w", e.Name, namespace, name, ref.Key, err)
			}
			env = append(env, e.Name+"="+v)
		default:
			return nil, fmt.Errorf("env %s: only values and secretKeyRef are resolved here", e.Name)
		}
	}
	return env, nil
}

// substitute replaces each $(…) in s through lookup; an unknown one is an error.
func substitute(s string, lookup func(string) (string, bool)) (string, error) {
	var missing []string
	out := variable.ReplaceAllStringFunc(s, func(m string) string {
		ref := m[2 : len(m)-1]
		v, ok := lookup(ref)
		if !ok {
			missing = append(missing, m)
			return m
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("nothing substitutes %s", strings.Join(missing, ", "))
	}
	return out, nil
}

// GetPipeline reads a Pipeline back from the API server, as Tekton's controller would
// before running it.
func (f *Flow) GetPipeline(ctx context.Context, namespace, name string) (*pipelinev1.Pipeline, *unstructured.Unstructured, error) {
	u, err := f.Kube.Resource(PipelineGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("reading the Pipeline %s/%s: %w", namespace, name, err)
	}
	data, err := json.Marshal(u.Object)
	if err != nil {
		return nil, nil, err
	}
	p := &pipelinev1.Pipeline{}
	if err := json.Unmarshal(data, p); err != nil {
		return nil, nil, fmt.Errorf("reading the Pipeline %s/%s: %w", namespace, name, err)
	}
	return p, u, nil
}
