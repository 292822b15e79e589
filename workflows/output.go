package workflows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
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
		data, err := marshalYAML(m)
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

// marshalYAML is sigs.k8s.io/yaml's Marshal (JSON, then YAML read from the JSON) with
// the characters that YAML may not hold raw escaped in the JSON first: encoding/json
// leaves DEL, the C1 controls and U+FFFE/U+FFFF raw, and the YAML reader then refuses
// the whole document ("control characters are not allowed"); it leaves U+0085 raw too,
// which YAML reads as a line break and folds into a space. Escaped, they come out as
// YAML escapes and read back as the same string.
func marshalYAML(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(escapeNonYAML(data))
}

// escapeNonYAML rewrites, as \uXXXX, each character of a JSON document that YAML does
// not read back as itself when raw: all but tab, newline, carriage return, printable
// ASCII, U+00A0-U+D7FF, U+E000-U+FFFD and U+10000 and above. encoding/json already
// escapes the C0 controls and writes only ASCII outside strings, so each such character
// is inside a string, and never right after a backslash that escapes it.
func escapeNonYAML(data []byte) []byte {
	var b bytes.Buffer
	rest := data
	for len(rest) > 0 {
		r, size := utf8.DecodeRune(rest)
		if yamlAllows(r) {
			b.Write(rest[:size])
		} else {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		rest = rest[size:]
	}
	return b.Bytes()
}

func yamlAllows(r rune) bool {
	switch {
	case r == '\t', r == '\n', r == '\r', r >= 0x20 && r <= 0x7e,
		r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= utf8.MaxRune:
		return true
	}
	return false
}
