package workflows

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// InputTypeCodeset is the type of a workflow input that is a codeset (a git project).
const InputTypeCodeset = "codeset"

// InputTypeString is the type of a workflow input holding a value; it is the default.
const InputTypeString = "string"

// maxWorkflowSize bounds what Parse reads: a workflow is a small hand-written file.
const maxWorkflowSize = 1 << 20

// Workflow is a FuseML workflow: named inputs and outputs, and the steps that run.
type Workflow struct {
	// Name identifies the workflow; it names the compiled Pipeline and Secret.
	Name string
	// Description says what the workflow does.
	Description string
	// Inputs are the workflow's parameters and codesets.
	Inputs []Input
	// Outputs are the values the workflow reports, each produced by a step output of the
	// same name.
	Outputs []Output
	// Steps are the containers that run, in an order that follows their data dependencies.
	Steps []Step

	file string // the file it was parsed from, for error messages
	pos  positions
}

// Input is a workflow input: a string value or a codeset.
type Input struct {
	Name        string
	Description string
	// Type is "string" (the default when empty) or "codeset".
	Type string
	// Default is the value used when a run does not give one.
	Default string
	// Labels are kept for FuseML compatibility; they do not change the compilation.
	Labels []string

	pos positions
}

// IsCodeset says whether the input is a codeset.
func (in Input) IsCodeset() bool { return in.Type == InputTypeCodeset }

// Output is a workflow output.
type Output struct {
	Name        string
	Description string
	// Type is informative; Tekton results are strings.
	Type string

	pos positions
}

// Step is one container of the workflow.
type Step struct {
	Name string
	// Image is the container image; it may hold expressions, such as the output of an
	// earlier step that built it.
	Image      string
	Inputs     []StepInput
	Outputs    []StepOutput
	Extensions []ExtensionRequirement
	Env        []EnvVar
	Resources  Resources

	pos positions
}

// StepInput is a step input: a value (possibly holding expressions) or a codeset.
type StepInput struct {
	Name    string
	Value   string
	Codeset *CodesetInput

	pos positions
}

// CodesetInput mounts a workflow codeset into a step.
type CodesetInput struct {
	// Name refers to the workflow's codeset input: "{{ inputs.NAME }}".
	Name string
	// Path is where the codeset is mounted; it is also the step's working directory.
	Path string

	pos positions
}

// StepOutput is a value a step writes as its Tekton result.
type StepOutput struct {
	Name        string
	Description string

	pos positions
}

// ExtensionRequirement selects an extension service registered in the registry. Every
// field but Name narrows the selection; empty fields match anything.
type ExtensionRequirement struct {
	// Name is how the step's expressions refer to the resolved extension.
	Name        string
	ExtensionID string
	Product     string
	// Version is an exact version or a semantic-version constraint, such as "~1.10.0".
	Version         string
	Zone            string
	ServiceID       string
	ServiceResource string
	ServiceCategory string
	// EndpointType is "internal" or "external"; empty lets the registry choose.
	EndpointType string

	pos positions
}

// EnvVar is an environment variable set on a step's container.
type EnvVar struct {
	Name  string
	Value string

	pos positions
}

// Resources are the step container's resource requests and limits, as Kubernetes
// quantities ("500m", "1Gi").
type Resources struct {
	Requests map[string]string
	Limits   map[string]string

	pos positions
}

// positions records where an element and its fields were in the file.
type positions struct {
	line   int            // the element itself
	fields map[string]int // field name -> line of its value
	path   string         // the element's field path, e.g. "steps[1]"
}

func (p positions) at(field string) int {
	if l, ok := p.fields[field]; ok {
		return l
	}
	return p.line
}

func (p positions) sub(field string) string {
	if p.path == "" {
		return field
	}
	if field == "" {
		return p.path
	}
	return p.path + "." + field
}

// ParseFile reads and validates the workflow in the file at path.
func ParseFile(path string) (*Workflow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading workflow: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxWorkflowSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading workflow %s: %w", path, err)
	}
	return Parse(data, filepath.Base(path))
}

// Parse reads and validates a workflow. file names it in error messages. The error joins
// one *FieldError per problem found, each naming its line and field.
func Parse(data []byte, file string) (*Workflow, error) {
	if len(data) > maxWorkflowSize {
		return nil, &FieldError{File: file, Reason: fmt.Sprintf("bad YAML: larger than %d bytes", maxWorkflowSize)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{File: file, Reason: "bad YAML: the file is empty"}
		}
		return nil, &FieldError{File: file, Reason: "bad YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &FieldError{File: file, Line: extra.Line, Reason: "bad YAML: more than one document"}
	} else if !errors.Is(err, io.EOF) {
		return nil, &FieldError{File: file, Reason: "bad YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	d := &decoder{file: file}
	wf := d.workflow(&doc)
	wf.file = file
	if err := d.err(); err != nil {
		return nil, err
	}
	if err := wf.Validate(); err != nil {
		return nil, err
	}
	return wf, nil
}

// decoder walks the YAML node tree, recording each field's line and collecting every
// problem rather than stopping at the first.
type decoder struct {
	file string
	errs []*FieldError
}

func (d *decoder) fail(line int, field, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (d *decoder) err() error { return joinFieldErrors(d.errs) }

// joinFieldErrors sorts problems by line and joins them; nil when there are none.
func joinFieldErrors(errs []*FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	list := make([]error, len(errs))
	for i, e := range errs {
		list[i] = e
	}
	if len(list) == 1 {
		return list[0]
	}
	return errors.Join(list...)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "unknown"
}

// mapping calls fn for each key of a mapping node, in order, refusing repeated keys and
// keys not in known (any key is accepted when known is nil). It returns the positions of the element and its fields.
func (d *decoder) mapping(n *yaml.Node, path string, known []string, fn func(key string, v *yaml.Node)) positions {
	pos := positions{line: n.Line, fields: map[string]int{}, path: path}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			d.fail(n.Line, path, "bad YAML: empty document")
			return pos
		}
		n = n.Content[0]
		pos.line = n.Line
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return pos
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n.Line, path, "must be a mapping, not %s", kindName(n))
		return pos
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		field := pos.sub(key)
		if _, dup := pos.fields[key]; dup {
			d.fail(k.Line, field, "repeated key")
			continue
		}
		pos.fields[key] = v.Line
		if known != nil && !contains(known, key) {
			d.fail(k.Line, field, "unknown field (expected one of %s)", strings.Join(known, ", "))
			continue
		}
		fn(key, v)
	}
	return pos
}

// str reads a scalar; null reads as "".
func (d *decoder) str(n *yaml.Node, field string) string {
	if n.Kind != yaml.ScalarNode {
		d.fail(n.Line, field, "must be a string, not %s", kindName(n))
		return ""
	}
	if n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// seq calls fn for each item of a list; null reads as an empty list.
func (d *decoder) seq(n *yaml.Node, field string, fn func(i int, item *yaml.Node, path string)) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n.Line, field, "must be a list, not %s", kindName(n))
		return
	}
	for i, item := range n.Content {
		fn(i, item, fmt.Sprintf("%s[%d]", field, i))
	}
}

func (d *decoder) workflow(n *yaml.Node) *Workflow {
	wf := &Workflow{}
	wf.pos = d.mapping(n, "", []string{"name", "description", "inputs", "outputs", "steps"}, func(key string, v *yaml.Node) {
		switch key {
		case "name":
			wf.Name = d.str(v, "name")
		case "description":
			wf.Description = d.str(v, "description")
		case "inputs":
			d.seq(v, "inputs", func(_ int, item *yaml.Node, path string) {
				wf.Inputs = append(wf.Inputs, d.input(item, path))
			})
		case "outputs":
			d.seq(v, "outputs", func(_ int, item *yaml.Node, path string) {
				wf.Outputs = append(wf.Outputs, d.output(item, path))
			})
		case "steps":
			d.seq(v, "steps", func(_ int, item *yaml.Node, path string) {
				wf.Steps = append(wf.Steps, d.step(item, path))
			})
		}
	})
	return wf
}

func (d *decoder) input(n *yaml.Node, path string) Input {
	var in Input
	in.pos = d.mapping(n, path, []string{"name", "description", "type", "default", "labels"}, func(key string, v *yaml.Node) {
		field := path + "." + key
		switch key {
		case "name":
			in.Name = d.str(v, field)
		case "description":
			in.Description = d.str(v, field)
		case "type":
			in.Type = d.str(v, field)
		case "default":
			in.Default = d.str(v, field)
		case "labels":
			d.seq(v, field, func(_ int, item *yaml.Node, p string) { in.Labels = append(in.Labels, d.str(item, p)) })
		}
	})
	return in
}

func (d *decoder) output(n *yaml.Node, path string) Output {
	var out Output
	out.pos = d.mapping(n, path, []string{"name", "description", "type"}, func(key string, v *yaml.Node) {
		field := path + "." + key
		switch key {
		case "name":
			out.Name = d.str(v, field)
		case "description":
			out.Description = d.str(v, field)
		case "type":
			out.Type = d.str(v, field)
		}
	})
	return out
}

func (d *decoder) step(n *yaml.Node, path string) Step {
	var s Step
	s.pos = d.mapping(n, path, []string{"name", "image", "inputs", "outputs", "extensions", "env", "resources"}, func(key string, v *yaml.Node) {
		field := path + "." + key
		switch key {
		case "name":
			s.Name = d.str(v, field)
		case "image":
			s.Image = d.str(v, field)
		case "inputs":
			d.seq(v, field, func(_ int, item *yaml.Node, p string) { s.Inputs = append(s.Inputs, d.stepInput(item, p)) })
		case "outputs":
			d.seq(v, field, func(_ int, item *yaml.Node, p string) { s.Outputs = append(s.Outputs, d.stepOutput(item, p)) })
		case "extensions":
			d.seq(v, field, func(_ int, item *yaml.Node, p string) {
				s.Extensions = append(s.Extensions, d.extension(item, p))
			})
		case "env":
			d.seq(v, field, func(_ int, item *yaml.Node, p string) { s.Env = append(s.Env, d.env(item, p)) })
		case "resources":
			s.Resources = d.resources(v, field)
		}
	})
	return s
}

func (d *decoder) stepInput(n *yaml.Node, path string) StepInput {
	var in StepInput
	in.pos = d.mapping(n, path, []string{"name", "value", "codeset"}, func(key string, v *yaml.Node) {
		field := path + "." + key
		switch key {
		case "name":
			in.Name = d.str(v, field)
		case "value":
			in.Value = d.str(v, field)
		case "codeset":
			cs := &CodesetInput{}
			cs.pos = d.mapping(v, field, []string{"name", "path"}, func(key string, v *yaml.Node) {
				switch key {
				case "name":
					cs.Name = d.str(v, field+".name")
				case "path":
					cs.Path = d.str(v, field+".path")
				}
			})
			in.Codeset = cs
		}
	})
	return in
}

func (d *decoder) stepOutput(n *yaml.Node, path string) StepOutput {
	var out StepOutput
	out.pos = d.mapping(n, path, []string{"name", "description"}, func(key string, v *yaml.Node) {
		switch key {
		case "name":
			out.Name = d.str(v, path+".name")
		case "description":
			out.Description = d.str(v, path+".description")
		}
	})
	return out
}

func (d *decoder) extension(n *yaml.Node, path string) ExtensionRequirement {
	var r ExtensionRequirement
	fields := map[string]*string{
		"name":             &r.Name,
		"extension_id":     &r.ExtensionID,
		"product":          &r.Product,
		"version":          &r.Version,
		"zone":             &r.Zone,
		"service_id":       &r.ServiceID,
		"service_resource": &r.ServiceResource,
		"service_category": &r.ServiceCategory,
		"endpoint_type":    &r.EndpointType,
	}
	known := []string{"name", "extension_id", "product", "version", "zone", "service_id", "service_resource", "service_category", "endpoint_type"}
	r.pos = d.mapping(n, path, known, func(key string, v *yaml.Node) {
		*fields[key] = d.str(v, path+"."+key)
	})
	return r
}

func (d *decoder) env(n *yaml.Node, path string) EnvVar {
	var e EnvVar
	e.pos = d.mapping(n, path, []string{"name", "value"}, func(key string, v *yaml.Node) {
		switch key {
		case "name":
			e.Name = d.str(v, path+".name")
		case "value":
			e.Value = d.str(v, path+".value")
		}
	})
	return e
}

func (d *decoder) resources(n *yaml.Node, path string) Resources {
	var r Resources
	lines := map[string]int{}
	r.pos = d.mapping(n, path, []string{"requests", "limits"}, func(key string, v *yaml.Node) {
		field := path + "." + key
		m := map[string]string{}
		qpos := d.mapping(v, field, nil, func(name string, q *yaml.Node) {
			m[name] = d.str(q, field+"."+name)
		})
		for name, l := range qpos.fields {
			lines[key+"."+name] = l
		}
		if key == "requests" {
			r.Requests = m
		} else {
			r.Limits = m
		}
	})
	for k, l := range lines {
		r.pos.fields[k] = l
	}
	return r
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// NeedsExtensions reports whether any step has extension requirements, which only a
// Resolver (the registry) can satisfy.
func (w *Workflow) NeedsExtensions() bool {
	for _, s := range w.Steps {
		if len(s.Extensions) > 0 {
			return true
		}
	}
	return false
}
