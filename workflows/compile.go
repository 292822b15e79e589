package workflows

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	pipelinev1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// DefaultNamespace is FuseML's namespace for workflow runs.
const DefaultNamespace = "fuseml-workloads"

// Labels and annotations on the compiled objects.
const (
	// LabelWorkflow names the workflow an object was compiled from.
	LabelWorkflow = "fuseml/workflow"
	// LabelManagedBy marks the objects as FuseML's.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// AnnotationProject and AnnotationUser record the consumer the Secret's credentials
	// were resolved for.
	AnnotationProject = "fuseml/project"
	AnnotationUser    = "fuseml/user"
)

const (
	managedBy = "fuseml"
	// codesetWorkspace is the Pipeline workspace a codeset input is bound to.
	codesetWorkspace = "source"
	// imageParam carries a step's image when it holds expressions (FuseML's name).
	imageParam = "IMAGE"
	// envParamPrefix prefixes the task parameter that carries an env value which refers
	// to workflow inputs or step outputs.
	envParamPrefix = "env-"
	// stepCommand is the command of every step image (FuseML's contract).
	stepCommand = "run"
	// secretSuffix makes the Secret's name from the workflow's.
	secretSuffix = "-credentials"
	// namespaceVariable is the namespace the task runs in, as Tekton substitutes it.
	namespaceVariable = "$(context.taskRun.namespace)"
)

// Codeset parameters of the Pipeline (FuseML's names): a PipelineRun gives the codeset's
// name, project and version, and binds the "source" workspace to a checkout of it.
var codesetParams = map[string]struct{ param, description, def string }{
	"name":    {"codeset-name", "Name of the codeset (git project)", ""},
	"project": {"codeset-project", "Project of the codeset", ""},
	"version": {"codeset-version", "Codeset version (git revision)", "main"},
}

// Options tune a compilation.
type Options struct {
	// Namespace is where the Pipeline and Secret are created; DefaultNamespace if empty.
	Namespace string
	// Consumer is the project and user the workflow runs for: extension credentials are
	// resolved for them.
	Consumer Consumer
	// Resolver resolves extension requirements; needed only when a step has some.
	Resolver Resolver
}

// Compiled is a workflow compiled to Kubernetes objects.
type Compiled struct {
	// Pipeline runs the workflow; it refers to credentials only through the Secret.
	Pipeline *pipelinev1.Pipeline
	// Secret holds every credential entry the steps need; nil when they need none.
	Secret *corev1.Secret
}

// SecretName is the name of the Secret that holds a workflow's credentials.
func SecretName(workflow string) string { return workflow + secretSuffix }

// Compile turns a workflow into a Tekton v1 Pipeline with embedded task specs and, when
// its steps need credentials, a Secret beside it. Each extension requirement is resolved
// for opts.Consumer: configuration entries become plain env values, credentials entries
// go into the Secret and reach the step as secretKeyRef. The compiled objects pass
// Tekton's own validation. Errors that concern the workflow join *FieldErrors.
func Compile(ctx context.Context, wf *Workflow, opts Options) (*Compiled, error) {
	if err := wf.Validate(); err != nil {
		return nil, err
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if errs := validation.IsDNS1123Label(opts.Namespace); len(errs) > 0 {
		return nil, fmt.Errorf("namespace %q: %s", opts.Namespace, strings.Join(errs, "; "))
	}
	accesses, err := resolveAll(ctx, wf, opts)
	if err != nil {
		return nil, err
	}
	c := &compiler{wf: wf, opts: opts, accesses: accesses, secret: map[string][]byte{}}
	p := c.pipeline()
	if err := joinFieldErrors(c.errs); err != nil {
		return nil, err
	}
	out := &Compiled{Pipeline: p}
	if len(c.secret) > 0 {
		out.Secret = &corev1.Secret{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: metav1.ObjectMeta{
				Name:        SecretName(wf.Name),
				Namespace:   opts.Namespace,
				Labels:      labels(wf.Name),
				Annotations: consumerAnnotations(opts.Consumer),
			},
			Type: corev1.SecretTypeOpaque,
			Data: c.secret,
		}
	}
	if err := out.Validate(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// Validate runs Tekton's own validation on the Pipeline (after Tekton's defaults, as its
// admission webhook does) and Kubernetes' name and key rules on the Secret.
func (c *Compiled) Validate(ctx context.Context) error {
	p := c.Pipeline.DeepCopy()
	p.SetDefaults(ctx)
	if fe := p.Validate(ctx); fe != nil {
		return &TektonError{Kind: "Pipeline", Name: p.Name, Err: fe}
	}
	if s := c.Secret; s != nil {
		if errs := validation.IsDNS1123Subdomain(s.Name); len(errs) > 0 {
			return fmt.Errorf("secret name %q: %s", s.Name, strings.Join(errs, "; "))
		}
		for k := range s.Data {
			if errs := validation.IsConfigMapKey(k); len(errs) > 0 {
				return fmt.Errorf("secret %q key %q: %s", s.Name, k, strings.Join(errs, "; "))
			}
		}
	}
	return nil
}

func labels(workflow string) map[string]string {
	return map[string]string{LabelWorkflow: workflow, LabelManagedBy: managedBy}
}

func consumerAnnotations(c Consumer) map[string]string {
	a := map[string]string{}
	if c.Project != "" {
		a[AnnotationProject] = c.Project
	}
	if c.User != "" {
		a[AnnotationUser] = c.User
	}
	if len(a) == 0 {
		return nil
	}
	return a
}

// resolveAll resolves each step's requirements: accesses[i][j] is for requirement j of
// step i. A requirement that nothing satisfies becomes a FieldError naming it.
func resolveAll(ctx context.Context, wf *Workflow, opts Options) ([][]Access, error) {
	out := make([][]Access, len(wf.Steps))
	var errs []*FieldError
	for i := range wf.Steps {
		s := &wf.Steps[i]
		if len(s.Extensions) == 0 {
			continue
		}
		if opts.Resolver == nil {
			return nil, fmt.Errorf("step %q has extension requirements but no resolver was given", s.Name)
		}
		reqs := make([]Requirement, len(s.Extensions))
		for j, e := range s.Extensions {
			reqs[j] = e.Requirement()
		}
		accs, err := opts.Resolver.Resolve(ctx, opts.Consumer, reqs)
		switch {
		case errors.Is(err, ErrUnsatisfied):
			// Name every requirement that nothing satisfies.
			for j := range reqs {
				if _, err := opts.Resolver.Resolve(ctx, opts.Consumer, reqs[j:j+1]); errors.Is(err, ErrUnsatisfied) {
					pos := subPos(s.Extensions[j].pos, elementPos(s.pos, "steps", i), "extensions", j)
					errs = append(errs, &FieldError{File: wf.file, Line: pos.line, Field: pos.path,
						Reason: fmt.Sprintf("no registered extension satisfies requirement %q (%s) for %s", reqs[j].Name, describe(reqs[j]), describeConsumer(opts.Consumer))})
				} else if err != nil {
					return nil, fmt.Errorf("step %q: resolving extension %q: %w", s.Name, reqs[j].Name, err)
				}
			}
			continue
		case err != nil:
			return nil, fmt.Errorf("step %q: resolving extensions: %w", s.Name, err)
		case len(accs) != len(reqs):
			return nil, fmt.Errorf("step %q: resolver returned %d results for %d requirements", s.Name, len(accs), len(reqs))
		}
		out[i] = accs
	}
	if err := joinFieldErrors(errs); err != nil {
		return nil, err
	}
	return out, nil
}

// describe prints a requirement's selector, for example "product mlflow, service_resource s3".
func describe(r Requirement) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+" "+v)
		}
	}
	add("extension_id", r.ExtensionID)
	add("product", r.Product)
	add("version", r.Version)
	add("zone", r.Zone)
	add("service_id", r.ServiceID)
	add("service_resource", r.ServiceResource)
	add("service_category", r.ServiceCategory)
	add("endpoint_type", r.EndpointType)
	return strings.Join(parts, ", ")
}

func describeConsumer(c Consumer) string {
	project, user := c.Project, c.User
	if project == "" {
		project = "(none)"
	}
	if user == "" {
		user = "(none)"
	}
	return fmt.Sprintf("project %s, user %s", project, user)
}

type compiler struct {
	wf       *Workflow
	opts     Options
	accesses [][]Access
	secret   map[string][]byte
	errs     []*FieldError
}

func (c *compiler) fail(pos positions, field, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{File: c.wf.file, Line: pos.at(field), Field: pos.sub(field), Reason: fmt.Sprintf(format, args...)})
}

func stringValue(s string) pipelinev1.ParamValue {
	return pipelinev1.ParamValue{Type: pipelinev1.ParamTypeString, StringVal: s}
}

func (c *compiler) pipeline() *pipelinev1.Pipeline {
	wf := c.wf
	p := &pipelinev1.Pipeline{
		TypeMeta: metav1.TypeMeta{APIVersion: pipelinev1.SchemeGroupVersion.String(), Kind: "Pipeline"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      wf.Name,
			Namespace: c.opts.Namespace,
			Labels:    labels(wf.Name),
		},
		Spec: pipelinev1.PipelineSpec{Description: wf.Description},
	}
	for _, in := range wf.Inputs {
		if in.IsCodeset() {
			for _, f := range codesetFields {
				cp := codesetParams[f]
				ps := pipelinev1.ParamSpec{Name: cp.param, Type: pipelinev1.ParamTypeString, Description: cp.description}
				if cp.def != "" {
					v := stringValue(cp.def)
					ps.Default = &v
				}
				p.Spec.Params = append(p.Spec.Params, ps)
			}
			p.Spec.Workspaces = append(p.Spec.Workspaces, pipelinev1.PipelineWorkspaceDeclaration{
				Name:        codesetWorkspace,
				Description: strings.TrimSpace(in.Description + " (codeset " + in.Name + ")"),
			})
			continue
		}
		ps := pipelinev1.ParamSpec{Name: in.Name, Type: pipelinev1.ParamTypeString, Description: in.Description}
		if _, given := in.pos.fields["default"]; given || in.Default != "" {
			v := stringValue(in.Default)
			ps.Default = &v
		}
		p.Spec.Params = append(p.Spec.Params, ps)
	}
	for i := range wf.Steps {
		p.Spec.Tasks = append(p.Spec.Tasks, c.task(i))
	}
	for _, out := range wf.Outputs {
		for _, s := range wf.Steps {
			if s.hasOutput(out.Name) {
				p.Spec.Results = append(p.Spec.Results, pipelinev1.PipelineResult{
					Name:        out.Name,
					Type:        pipelinev1.ResultsTypeString,
					Description: out.Description,
					Value:       stringValue(fmt.Sprintf("$(tasks.%s.results.%s)", s.Name, out.Name)),
				})
			}
		}
	}
	return p
}

// stepValue is a value of step i translated for Tekton.
type stepValue struct {
	text      string // with $(params.…) and $(tasks.…) in place of expressions
	pipeline  bool   // refers to pipeline params or task results: must travel as a task param
	deps      []int  // indexes of the steps whose outputs it uses
	secretRef *corev1.SecretKeySelector
}

// translate rewrites the expressions of a value of step i. Credentials are allowed only
// when allowSecret is set and the value is exactly one cfg expression naming one.
func (c *compiler) translate(i int, pos positions, field, value string, allowSecret bool) stepValue {
	s := &c.wf.Steps[i]
	segs, err := parseTemplate(value) // already validated
	if err != nil {
		c.fail(pos, field, "%v", err)
		return stepValue{}
	}
	var out stepValue
	var b strings.Builder
	for _, seg := range segs {
		r := seg.ref
		if r == nil {
			b.WriteString(seg.text)
			continue
		}
		switch r.kind {
		case refInput:
			fmt.Fprintf(&b, "$(params.%s)", r.name)
			out.pipeline = true
		case refCodesetField:
			fmt.Fprintf(&b, "$(params.%s)", codesetParams[r.field].param)
			out.pipeline = true
		case refStepOutput:
			fmt.Fprintf(&b, "$(tasks.%s.results.%s)", r.name, r.field)
			out.pipeline = true
			for j := range c.wf.Steps {
				if c.wf.Steps[j].Name == r.name {
					out.deps = append(out.deps, j)
				}
			}
		case refExtension, refExtensionCfg:
			j := extensionIndex(s, r.name)
			acc := c.accesses[i][j]
			if r.kind == refExtension {
				b.WriteString(acc.field(r.field))
				continue
			}
			if v, ok := acc.Config[r.field]; ok {
				b.WriteString(v)
				continue
			}
			if _, ok := acc.Credentials[r.field]; ok {
				if allowSecret && len(segs) == 1 {
					out.secretRef = c.secretRef(acc, r.field)
					return out
				}
				c.fail(pos, field, "%s is a credential: it can only be the whole value of an env entry, which then reads it from Secret %s", r.raw, SecretName(c.wf.Name))
				continue
			}
			c.fail(pos, field, "%s: extension %q (%s) has no configuration entry %q", r.raw, r.name, acc.ExtensionID, r.field)
		}
	}
	out.text = b.String()
	return out
}

func extensionIndex(s *Step, name string) int {
	for j := range s.Extensions {
		if s.Extensions[j].Name == name {
			return j
		}
	}
	return -1
}

var secretKeyUnsafe = regexp.MustCompile(`[^-._a-zA-Z0-9]+`)

// secretRef stores a credential entry in the Secret, under a key that names its extension
// and service so that steps sharing a credential share the key, and refers to it.
func (c *compiler) secretRef(acc Access, key string) *corev1.SecretKeySelector {
	var parts []string
	for _, p := range []string{acc.ExtensionID, acc.ServiceID, acc.CredentialsID, key} {
		if p != "" {
			parts = append(parts, secretKeyUnsafe.ReplaceAllString(p, "-"))
		}
	}
	k := strings.Join(parts, ".")
	c.secret[k] = []byte(acc.Credentials[key])
	return &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: SecretName(c.wf.Name)}, Key: k}
}

// task compiles step i to a pipeline task with an embedded task spec.
func (c *compiler) task(i int) pipelinev1.PipelineTask {
	s := &c.wf.Steps[i]
	pos := elementPos(s.pos, "steps", i)
	pt := pipelinev1.PipelineTask{Name: s.Name, TaskSpec: &pipelinev1.EmbeddedTask{}}
	ts := &pt.TaskSpec.TaskSpec
	step := pipelinev1.Step{Name: s.Name, Command: []string{stepCommand}}
	deps := map[int]bool{}
	params := map[string]bool{}
	addParam := func(name, description string, v stepValue) {
		params[name] = true
		ts.Params = append(ts.Params, pipelinev1.ParamSpec{Name: name, Type: pipelinev1.ParamTypeString, Description: description})
		pt.Params = append(pt.Params, pipelinev1.Param{Name: name, Value: stringValue(v.text)})
		for _, d := range v.deps {
			deps[d] = true
		}
	}

	img := c.translate(i, pos, "image", s.Image, false)
	if img.pipeline {
		addParam(imageParam, "The container image of the step", img)
		step.Image = fmt.Sprintf("$(params.%s)", imageParam)
	} else {
		step.Image = img.text
	}

	var env []corev1.EnvVar
	set := map[string]string{} // env name -> what set it
	for j := range s.Inputs {
		in := &s.Inputs[j]
		ipos := subPos(in.pos, pos, "inputs", j)
		if cs := in.Codeset; cs != nil {
			ts.Workspaces = append(ts.Workspaces, pipelinev1.WorkspaceDeclaration{Name: codesetWorkspace, MountPath: cs.Path})
			pt.Workspaces = append(pt.Workspaces, pipelinev1.WorkspacePipelineTaskBinding{Name: codesetWorkspace, Workspace: codesetWorkspace})
			step.WorkingDir = cs.Path
			continue
		}
		addParam(in.Name, "", c.translate(i, ipos, "value", in.Value, false))
		name := InputEnv(in.Name)
		env = append(env, corev1.EnvVar{Name: name, Value: fmt.Sprintf("$(params.%s)", in.Name)})
		set[name] = fmt.Sprintf("input %q", in.Name)
	}
	env = append(env,
		corev1.EnvVar{Name: EnvWorkflowName, Value: c.wf.Name},
		corev1.EnvVar{Name: EnvWorkflowNamespace, Value: namespaceVariable},
	)
	set[EnvWorkflowName], set[EnvWorkflowNamespace] = "the workflow engine", "the workflow engine"
	for _, o := range s.Outputs {
		ts.Results = append(ts.Results, pipelinev1.TaskResult{Name: o.Name, Type: pipelinev1.ResultsTypeString, Description: o.Description})
	}
	if len(s.Outputs) > 0 {
		// FuseML's steps write one result, named by TASK_RESULT: the first output.
		env = append(env, corev1.EnvVar{Name: EnvTaskResult, Value: s.Outputs[0].Name})
		set[EnvTaskResult] = "the workflow engine"
	}

	// The step's own env entries win over the extensions' entries of the same name.
	own := map[string]bool{}
	for _, e := range s.Env {
		own[e.Name] = true
	}
	extEnv := map[string]corev1.EnvVar{}
	for j := range s.Extensions {
		e := &s.Extensions[j]
		epos := subPos(e.pos, pos, "extensions", j)
		acc := c.accesses[i][j]
		add := func(v corev1.EnvVar) {
			if by, ok := set[v.Name]; ok {
				if prev, isExt := extEnv[v.Name]; !isExt || !envEqual(prev, v) {
					c.fail(epos, "", "extension %q sets %s, which %s also sets", e.Name, v.Name, by)
				}
				return
			}
			set[v.Name] = fmt.Sprintf("extension %q", e.Name)
			extEnv[v.Name] = v
			env = append(env, v)
		}
		for _, k := range sortedKeys(acc.Config) {
			if own[k] {
				continue
			}
			add(corev1.EnvVar{Name: k, Value: acc.Config[k]})
		}
		for _, k := range sortedKeys(acc.Credentials) {
			if own[k] {
				continue
			}
			add(corev1.EnvVar{Name: k, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: c.secretRef(acc, k)}})
		}
	}
	for j := range s.Env {
		e := &s.Env[j]
		epos := subPos(e.pos, pos, "env", j)
		v := c.translate(i, epos, "value", e.Value, true)
		switch {
		case v.secretRef != nil:
			env = append(env, corev1.EnvVar{Name: e.Name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: v.secretRef}})
		case v.pipeline:
			param := envParamPrefix + e.Name
			if params[param] {
				c.fail(epos, "name", "the parameter %q that carries env %s is already an input of the step", param, e.Name)
				continue
			}
			addParam(param, "The value of env "+e.Name, v)
			env = append(env, corev1.EnvVar{Name: e.Name, Value: fmt.Sprintf("$(params.%s)", param)})
		default:
			env = append(env, corev1.EnvVar{Name: e.Name, Value: v.text})
		}
	}
	step.Env = env
	step.ComputeResources = resourceRequirements(s.Resources)
	ts.Steps = []pipelinev1.Step{step}

	for j := range c.wf.Steps {
		if deps[j] {
			pt.RunAfter = append(pt.RunAfter, c.wf.Steps[j].Name)
		}
	}
	return pt
}

func envEqual(a, b corev1.EnvVar) bool {
	if a.Name != b.Name || a.Value != b.Value {
		return false
	}
	if (a.ValueFrom == nil) != (b.ValueFrom == nil) {
		return false
	}
	if a.ValueFrom == nil {
		return true
	}
	ar, br := a.ValueFrom.SecretKeyRef, b.ValueFrom.SecretKeyRef
	return ar != nil && br != nil && ar.Name == br.Name && ar.Key == br.Key
}

func resourceRequirements(r Resources) corev1.ResourceRequirements {
	list := func(m map[string]string) corev1.ResourceList {
		if len(m) == 0 {
			return nil
		}
		out := corev1.ResourceList{}
		for k, v := range m {
			out[corev1.ResourceName(k)] = resource.MustParse(v) // validated
		}
		return out
	}
	return corev1.ResourceRequirements{Requests: list(r.Requests), Limits: list(r.Limits)}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
