package session

import (
	"fmt"
	"io"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// ReadFile reads a named file, or the input when name is "-".
func (s *Session) ReadFile(name string) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(s.In)
		if err != nil {
			return nil, fmt.Errorf("reading the standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return data, nil
}

// Decode reads a YAML or JSON document (a file, or the input for "-") into v with the
// registry's field names, refusing unknown fields so that a misspelt one is not
// silently dropped.
func (s *Session) Decode(name string, v any) error {
	data, err := s.ReadFile(name)
	if err != nil {
		return err
	}
	switch n := documents(data); {
	case n == 0:
		return fmt.Errorf("%s: empty document", displayName(name))
	case n > 1:
		return fmt.Errorf("%s: holds %d YAML documents; give one per file", displayName(name), n)
	}
	if err := yaml.UnmarshalStrict(data, v); err != nil {
		return fmt.Errorf("%s: %w", displayName(name), err)
	}
	return nil
}

// documents counts the YAML documents that hold more than blanks and comments.
func documents(data []byte) int {
	n, content := 0, false
	for _, line := range strings.Split(string(data), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(line, "---") && strings.TrimSpace(strings.TrimPrefix(line, "---")) == "" {
			if content {
				n++
			}
			content = false
			continue
		}
		if t != "" && !strings.HasPrefix(t, "#") {
			content = true
		}
	}
	if content {
		n++
	}
	return n
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}
