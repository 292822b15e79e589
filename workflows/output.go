package workflows

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/openmodelops/fuseml-seldon/internal/yamlout"
)

// Output formats of Write, as the CLI's -o flag names them.
const (
	FormatYAML = "yaml"
	FormatJSON = "json"
)

// Write writes the compiled objects in format: FormatYAML (also the default, for an
// empty format) or FormatJSON.
func (c *Compiled) Write(w io.Writer, format string) error {
	switch format {
	case FormatYAML, "":
		return c.WriteYAML(w)
	case FormatJSON:
		return c.WriteJSON(w)
	}
	return fmt.Errorf("%w %q (expected %s or %s)", ErrUnknownFormat, format, FormatYAML, FormatJSON)
}

// Objects are the compiled objects in the order to apply them: the Secret, if any, then
// the Pipeline.
func (c *Compiled) Objects() []any {
	var out []any
	if c.Secret != nil {
		out = append(out, c.Secret)
	}
	return append(out, c.Pipeline)
}

// WriteYAML writes the compiled objects as a multi-document YAML stream that
// `kubectl apply -f -` accepts.
func (c *Compiled) WriteYAML(w io.Writer) error {
	for i, obj := range c.Objects() {
		m, err := cleanObject(obj)
		if err != nil {
			return err
		}
		data, err := yamlout.Marshal(m)
		if err != nil {
			return fmt.Errorf("writing YAML: %w", err)
		}
		if i > 0 {
			if _, err := io.WriteString(w, "---\n"); err != nil {
				return fmt.Errorf("writing YAML: %w", err)
			}
		}
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("writing YAML: %w", err)
		}
	}
	return nil
}

// WriteJSON writes the compiled objects as one Kubernetes List, indented, which
// `kubectl apply -f -` accepts.
func (c *Compiled) WriteJSON(w io.Writer) error {
	var items []any
	for _, obj := range c.Objects() {
		m, err := cleanObject(obj)
		if err != nil {
			return err
		}
		items = append(items, m)
	}
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

// cleanObject turns an API object into plain maps without the nulls and empty objects
// that Go's zero values marshal to (creationTimestamp: null, computeResources: {}).
func cleanObject(obj any) (map[string]any, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	prune(m)
	return m, nil
}

// prune removes nulls and empty mappings, depth first.
func prune(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for k, x := range t {
			if prune(x) {
				delete(t, k)
			}
		}
		return len(t) == 0
	case []any:
		for _, x := range t {
			prune(x)
		}
	}
	return false
}
