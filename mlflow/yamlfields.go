package mlflow

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// fields reads the keys of one YAML mapping into typed values, remembering the keys it
// read so that the rest can be kept as Extra, and the first error with its field path.
type fields struct {
	path string
	keys []string
	m    map[string]*yaml.Node
	used map[string]bool
	err  error
}

// newFields takes a mapping node; path is the dotted path of the mapping ("" at the top).
func newFields(path string, n *yaml.Node) (*fields, error) {
	f := &fields{path: path, m: map[string]*yaml.Node{}, used: map[string]bool{}}
	if n == nil || isNull(n) {
		return f, nil
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil, &FieldError{Field: path, Reason: fmt.Sprintf("expected a mapping, found %s (line %d)", kindName(n), n.Line)}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, &FieldError{Field: path, Reason: fmt.Sprintf("expected string keys, found %s (line %d)", kindName(k), k.Line)}
		}
		if _, dup := f.m[k.Value]; dup {
			return nil, &FieldError{Field: f.sub(k.Value), Reason: fmt.Sprintf("duplicate key (line %d)", k.Line)}
		}
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		f.m[k.Value] = v
		f.keys = append(f.keys, k.Value)
	}
	return f, nil
}

func (f *fields) sub(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

func (f *fields) fail(key, format string, args ...any) {
	if f.err == nil {
		f.err = &FieldError{Field: f.sub(key), Reason: fmt.Sprintf(format, args...)}
	}
}

func (f *fields) node(key string) *yaml.Node {
	f.used[key] = true
	n := f.m[key]
	if n == nil || isNull(n) {
		return nil
	}
	return n
}

// str reads a scalar as a string, whatever its YAML tag: MLflow versions such as 3.10 may
// be written unquoted by hand.
func (f *fields) str(key string) string {
	n := f.node(key)
	if n == nil {
		return ""
	}
	if n.Kind != yaml.ScalarNode {
		f.fail(key, "expected a string, found %s (line %d)", kindName(n), n.Line)
		return ""
	}
	return n.Value
}

func (f *fields) int64(key string) int64 {
	n := f.node(key)
	if n == nil {
		return 0
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if n.Kind != yaml.ScalarNode || err != nil {
		f.fail(key, "expected an integer, found %q (line %d)", n.Value, n.Line)
		return 0
	}
	return v
}

func (f *fields) bool(key string) bool {
	n := f.node(key)
	if n == nil {
		return false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
		f.fail(key, "expected true or false, found %q (line %d)", n.Value, n.Line)
		return false
	}
	return b
}

func (f *fields) strList(key string) []string {
	n := f.node(key)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	if n.Kind != yaml.SequenceNode {
		f.fail(key, "expected a list of strings, found %s (line %d)", kindName(n), n.Line)
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			f.fail(key, "expected a list of strings, found an item that is %s (line %d)", kindName(c), c.Line)
			return nil
		}
		out = append(out, c.Value)
	}
	return out
}

// anyValue decodes a node into plain Go values (maps, slices, scalars).
func (f *fields) anyValue(key string) any {
	n := f.node(key)
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		f.fail(key, "%s", cleanYAMLError(err))
		return nil
	}
	return v
}

func (f *fields) anyMap(key string) map[string]any {
	n := f.node(key)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		f.fail(key, "expected a mapping, found %s (line %d)", kindName(n), n.Line)
		return nil
	}
	var v map[string]any
	if err := n.Decode(&v); err != nil {
		f.fail(key, "%s", cleanYAMLError(err))
		return nil
	}
	return v
}

// extra returns the keys that were not read, decoded as plain values, or nil.
func (f *fields) extra() map[string]any {
	var out map[string]any
	for _, k := range f.keys {
		if f.used[k] {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = f.anyValue(k)
	}
	return out
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the scalar %q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	default:
		return "a document"
	}
}

func cleanYAMLError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n  ")
	return strings.ReplaceAll(s, "\n  ", "; ")
}
