package workflows

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

var (
	// dnsLabel is a Kubernetes DNS-1123 label: Tekton's pipeline task names, and the names
	// of the Pipeline and Secret a workflow compiles to.
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// paramName is a workflow or step input name: a Tekton parameter name without dots,
	// which expressions use as separators.
	paramName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)
	// resultName is an output name: a Tekton result name without dots.
	resultName = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?$`)
	// envName is a portable environment variable name.
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// maxNameLength keeps the derived Kubernetes names ("<workflow>-credentials") valid.
const maxNameLength = 63

// Environment variables that the compiler sets on every step (FuseML's step contract).
const (
	EnvWorkflowName      = "FUSEML_ENV_WORKFLOW_NAME"
	EnvWorkflowNamespace = "FUSEML_ENV_WORKFLOW_NAMESPACE"
	EnvTaskResult        = "TASK_RESULT"
	// InputEnvPrefix prefixes a step input's name to make its environment variable.
	InputEnvPrefix = "FUSEML_"
)

// InputEnv is the environment variable that carries a step input: "app_name" and
// "app-name" both become FUSEML_APP_NAME.
func InputEnv(input string) string {
	return InputEnvPrefix + strings.ToUpper(strings.ReplaceAll(input, "-", "_"))
}

// Validate checks a workflow: names, references between inputs, steps, outputs and
// extensions, and the order of steps. The error joins one *FieldError per problem.
func (wf *Workflow) Validate() error {
	v := &validator{wf: wf, inputs: map[string]*Input{}, steps: map[string]int{}}
	v.check()
	return joinFieldErrors(v.errs)
}

type validator struct {
	wf     *Workflow
	inputs map[string]*Input
	steps  map[string]int // step name -> index of its first declaration
	errs   []*FieldError
}

func (v *validator) fail(pos positions, field, format string, args ...any) {
	v.errs = append(v.errs, &FieldError{
		File:   v.wf.file,
		Line:   pos.at(field),
		Field:  pos.sub(field),
		Reason: fmt.Sprintf(format, args...),
	})
}

func (v *validator) check() {
	wf := v.wf
	switch {
	case wf.Name == "":
		v.fail(wf.pos, "name", "required")
	case len(wf.Name) > maxNameLength || !dnsLabel.MatchString(wf.Name):
		v.fail(wf.pos, "name", "%q is not a valid name: use at most %d lower-case letters, digits and '-', starting and ending with a letter or digit", wf.Name, maxNameLength)
	}

	codesets := 0
	for i := range wf.Inputs {
		in := &wf.Inputs[i]
		pos := elementPos(in.pos, "inputs", i)
		switch {
		case in.Name == "":
			v.fail(pos, "name", "required")
		case !paramName.MatchString(in.Name):
			v.fail(pos, "name", "%q is not a valid input name: use letters, digits, '_' and '-'", in.Name)
		case v.inputs[in.Name] != nil:
			v.fail(pos, "name", "duplicate input %q", in.Name)
		default:
			v.inputs[in.Name] = in
		}
		switch in.Type {
		case "", InputTypeString:
		case InputTypeCodeset:
			codesets++
			if codesets > 1 {
				v.fail(pos, "type", "only one codeset input is supported")
			}
		default:
			v.fail(pos, "type", "unknown input type %q (expected string or codeset)", in.Type)
		}
	}

	if len(wf.Steps) == 0 {
		v.fail(wf.pos, "steps", "a workflow needs at least one step")
	}
	for i := range wf.Steps {
		s := &wf.Steps[i]
		pos := elementPos(s.pos, "steps", i)
		switch _, dup := v.steps[s.Name]; {
		case s.Name == "":
			v.fail(pos, "name", "required")
		case len(s.Name) > maxNameLength || !dnsLabel.MatchString(s.Name):
			v.fail(pos, "name", "%q is not a valid step name: use at most %d lower-case letters, digits and '-'", s.Name, maxNameLength)
		case dup:
			v.fail(pos, "name", "duplicate step %q", s.Name)
		default:
			v.steps[s.Name] = i
		}
	}
	for i := range wf.Steps {
		v.step(i)
	}

	outputs := map[string]bool{}
	for i, out := range wf.Outputs {
		pos := elementPos(out.pos, "outputs", i)
		switch {
		case out.Name == "":
			v.fail(pos, "name", "required")
			continue
		case !resultName.MatchString(out.Name):
			v.fail(pos, "name", "%q is not a valid output name: use letters, digits, '_' and '-'", out.Name)
			continue
		case outputs[out.Name]:
			v.fail(pos, "name", "duplicate output %q", out.Name)
			continue
		}
		outputs[out.Name] = true
		var producers []string
		for _, s := range wf.Steps {
			if s.hasOutput(out.Name) {
				producers = append(producers, s.Name)
			}
		}
		switch len(producers) {
		case 0:
			v.fail(pos, "name", "no step has an output named %q", out.Name)
		case 1:
		default:
			v.fail(pos, "name", "steps %s all have an output named %q: a workflow output needs exactly one", strings.Join(producers, ", "), out.Name)
		}
	}
}

// elementPos gives an element built in Go (without positions) its field path.
func elementPos(p positions, list string, i int) positions {
	if p.path == "" {
		p.path = fmt.Sprintf("%s[%d]", list, i)
	}
	return p
}

func (s *Step) hasOutput(name string) bool {
	for _, o := range s.Outputs {
		if o.Name == name {
			return true
		}
	}
	return false
}

func (s *Step) extension(name string) *ExtensionRequirement {
	for i := range s.Extensions {
		if s.Extensions[i].Name == name {
			return &s.Extensions[i]
		}
	}
	return nil
}

func (v *validator) step(i int) {
	s := &v.wf.Steps[i]
	pos := elementPos(s.pos, "steps", i)

	// Extensions first: expressions elsewhere in the step refer to them.
	extNames := map[string]bool{}
	for j := range s.Extensions {
		e := &s.Extensions[j]
		epos := subPos(e.pos, pos, "extensions", j)
		switch {
		case e.Name == "":
			v.fail(epos, "name", "required")
		case !paramName.MatchString(e.Name):
			v.fail(epos, "name", "%q is not a valid extension name: use letters, digits, '_' and '-'", e.Name)
		case extNames[e.Name]:
			v.fail(epos, "name", "duplicate extension %q", e.Name)
		default:
			extNames[e.Name] = true
		}
		if e.ExtensionID == "" && e.ServiceID == "" && e.Product == "" && e.ServiceResource == "" && e.ServiceCategory == "" {
			v.fail(epos, "", "extension %q selects nothing: give at least one of extension_id, service_id, product, service_resource, service_category", e.Name)
		}
		switch e.EndpointType {
		case "", "internal", "external":
		default:
			v.fail(epos, "endpoint_type", "unknown endpoint type %q (expected internal or external)", e.EndpointType)
		}
	}

	if s.Image == "" {
		v.fail(pos, "image", "required")
	} else {
		v.template(s, i, pos, "image", s.Image)
	}

	envs := map[string]string{} // env name -> what sets it
	reserve := func(name, by string) string {
		if prev, ok := envs[name]; ok {
			return prev
		}
		envs[name] = by
		return ""
	}
	reserve(EnvWorkflowName, "the workflow engine")
	reserve(EnvWorkflowNamespace, "the workflow engine")
	reserve(EnvTaskResult, "the workflow engine")

	names := map[string]bool{}
	codesets := 0
	for j := range s.Inputs {
		in := &s.Inputs[j]
		ipos := subPos(in.pos, pos, "inputs", j)
		if in.Codeset != nil {
			codesets++
			v.codeset(s, i, in, ipos, codesets)
			if _, hasValue := in.pos.fields["value"]; hasValue || in.Value != "" {
				v.fail(ipos, "value", "an input has either a value or a codeset, not both")
			}
			continue
		}
		if _, hasValue := in.pos.fields["value"]; in.pos.fields != nil && !hasValue {
			v.fail(ipos, "", "input %q needs a value or a codeset", in.Name)
		}
		switch {
		case in.Name == "":
			v.fail(ipos, "name", "required")
		case !paramName.MatchString(in.Name):
			v.fail(ipos, "name", "%q is not a valid input name: use letters, digits, '_' and '-'", in.Name)
		case names[in.Name]:
			v.fail(ipos, "name", "duplicate input %q", in.Name)
		case in.Name == imageParam && hasExpressions(s.Image):
			v.fail(ipos, "name", "%q is the parameter that carries this step's image", imageParam)
		default:
			names[in.Name] = true
			if prev := reserve(InputEnv(in.Name), fmt.Sprintf("input %q", in.Name)); prev != "" {
				v.fail(ipos, "name", "input %q and %s both set %s", in.Name, prev, InputEnv(in.Name))
			}
		}
		v.template(s, i, ipos, "value", in.Value)
	}

	outs := map[string]bool{}
	for j, o := range s.Outputs {
		opos := subPos(o.pos, pos, "outputs", j)
		switch {
		case o.Name == "":
			v.fail(opos, "name", "required")
		case !resultName.MatchString(o.Name):
			v.fail(opos, "name", "%q is not a valid output name: use letters, digits, '_' and '-'", o.Name)
		case outs[o.Name]:
			v.fail(opos, "name", "duplicate output %q", o.Name)
		default:
			outs[o.Name] = true
		}
	}

	seen := map[string]bool{}
	for j := range s.Env {
		e := &s.Env[j]
		epos := subPos(e.pos, pos, "env", j)
		switch {
		case e.Name == "":
			v.fail(epos, "name", "required")
		case !envName.MatchString(e.Name):
			v.fail(epos, "name", "%q is not a valid environment variable name", e.Name)
		case seen[e.Name]:
			v.fail(epos, "name", "duplicate env %q", e.Name)
		case envs[e.Name] != "":
			v.fail(epos, "name", "%s is set by %s", e.Name, envs[e.Name])
		default:
			seen[e.Name] = true
		}
		v.template(s, i, epos, "value", e.Value)
	}

	rpos := s.Resources.pos
	if rpos.path == "" {
		rpos.path = pos.sub("resources")
	}
	for _, list := range []struct {
		key string
		m   map[string]string
	}{{"requests", s.Resources.Requests}, {"limits", s.Resources.Limits}} {
		for name, q := range list.m {
			field := list.key + "." + name
			if name == "" {
				v.fail(rpos, list.key, "empty resource name")
				continue
			}
			if _, err := resource.ParseQuantity(q); err != nil {
				v.fail(rpos, field, "%q is not a Kubernetes quantity (such as 500m or 1Gi)", q)
			}
		}
	}
}

// subPos gives an element of a step its field path when it was built in Go.
func subPos(p, parent positions, list string, i int) positions {
	if p.path == "" {
		p.path = parent.sub(fmt.Sprintf("%s[%d]", list, i))
		p.line = parent.line
	}
	return p
}

func (v *validator) codeset(s *Step, i int, in *StepInput, ipos positions, count int) {
	cs := in.Codeset
	cpos := cs.pos
	if cpos.path == "" {
		cpos.path = ipos.sub("codeset")
		cpos.line = ipos.line
	}
	if count > 1 {
		v.fail(cpos, "", "only one codeset input per step is supported")
	}
	segs, err := parseTemplate(cs.Name)
	switch {
	case cs.Name == "":
		v.fail(cpos, "name", "required: the workflow's codeset input, as {{ inputs.NAME }}")
	case err != nil:
		v.fail(cpos, "name", "%v", err)
	case len(segs) != 1 || segs[0].ref == nil || segs[0].ref.kind != refInput:
		v.fail(cpos, "name", "%q must be exactly {{ inputs.NAME }}, naming a codeset input of the workflow", cs.Name)
	default:
		wi := v.inputs[segs[0].ref.name]
		switch {
		case wi == nil:
			v.fail(cpos, "name", "unknown input %q", segs[0].ref.name)
		case !wi.IsCodeset():
			v.fail(cpos, "name", "input %q is not a codeset", wi.Name)
		}
	}
	switch {
	case cs.Path == "":
		v.fail(cpos, "path", "required: where the codeset is mounted")
	case !path.IsAbs(cs.Path) || hasExpressions(cs.Path):
		v.fail(cpos, "path", "%q must be an absolute path", cs.Path)
	}
	if in.Name != "" && !paramName.MatchString(in.Name) {
		v.fail(ipos, "name", "%q is not a valid input name: use letters, digits, '_' and '-'", in.Name)
	}
}

// template checks every expression in a value of step i.
func (v *validator) template(s *Step, i int, pos positions, field, value string) {
	segs, err := parseTemplate(value)
	if err != nil {
		v.fail(pos, field, "%v", err)
		return
	}
	for _, seg := range segs {
		r := seg.ref
		if r == nil {
			continue
		}
		switch r.kind {
		case refInput, refCodesetField:
			in := v.inputs[r.name]
			switch {
			case in == nil:
				v.fail(pos, field, "%s: unknown input %q", r.raw, r.name)
			case r.kind == refInput && in.IsCodeset():
				v.fail(pos, field, "%s: input %q is a codeset: use inputs.%s.name, .project or .version", r.raw, r.name, r.name)
			case r.kind == refCodesetField && !in.IsCodeset():
				v.fail(pos, field, "%s: input %q is not a codeset", r.raw, r.name)
			}
		case refStepOutput:
			j, ok := v.steps[r.name]
			switch {
			case !ok:
				v.fail(pos, field, "%s: unknown step %q", r.raw, r.name)
			case j == i:
				v.fail(pos, field, "%s: step %q cannot use its own output", r.raw, r.name)
			case j > i:
				v.fail(pos, field, "%s: step %q runs after step %q: a step can only use the outputs of earlier steps", r.raw, r.name, s.Name)
			case !v.wf.Steps[j].hasOutput(r.field):
				v.fail(pos, field, "%s: step %q has no output %q", r.raw, r.name, r.field)
			}
		case refExtension, refExtensionCfg:
			if s.extension(r.name) == nil {
				v.fail(pos, field, "%s: extension %q is not declared in the extensions of step %q", r.raw, r.name, s.Name)
			}
		}
	}
}
