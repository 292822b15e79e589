package workflows

import (
	"fmt"
	"strings"
)

// refKind says what an expression refers to.
type refKind int

const (
	refInput        refKind = iota // {{ inputs.NAME }}
	refCodesetField                // {{ inputs.CODESET.name|project|version }}
	refStepOutput                  // {{ steps.STEP.outputs.OUTPUT }}
	refExtension                   // {{ extensions.EXT.url|product|... }}
	refExtensionCfg                // {{ extensions.EXT.cfg.KEY }}
)

// codesetFields are the fields of a codeset input that expressions can read.
var codesetFields = []string{"name", "project", "version"}

// extensionFields are the fields of a resolved extension that expressions can read.
var extensionFields = []string{"url", "product", "version", "zone", "service_resource", "service_category"}

// ref is one parsed expression.
type ref struct {
	kind  refKind
	raw   string // the expression as written, "{{ inputs.x }}"
	name  string // input, step or extension name
	field string // codeset or extension field, step output name, or cfg key
}

// segment is a piece of a template: literal text, or an expression.
type segment struct {
	text string
	ref  *ref
}

// parseTemplate splits a value into literal text and expressions.
func parseTemplate(s string) ([]segment, error) {
	var segs []segment
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			if s != "" {
				segs = append(segs, segment{text: s})
			}
			return segs, nil
		}
		if i > 0 {
			segs = append(segs, segment{text: s[:i]})
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return nil, fmt.Errorf("unterminated expression %q", s[i:])
		}
		raw := s[i : i+j+2]
		r, err := parseRef(strings.TrimSpace(raw[2 : len(raw)-2]))
		if err != nil {
			return nil, fmt.Errorf("expression %q: %w", raw, err)
		}
		r.raw = raw
		segs = append(segs, segment{ref: r})
		s = s[i+j+2:]
	}
}

// hasExpressions says whether a value holds any expression.
func hasExpressions(s string) bool { return strings.Contains(s, "{{") }

func parseRef(expr string) (*ref, error) {
	parts := strings.Split(expr, ".")
	for _, p := range parts {
		if p == "" || strings.ContainsAny(p, " \t{}") {
			return nil, fmt.Errorf("malformed reference %q", expr)
		}
	}
	switch parts[0] {
	case "inputs":
		switch {
		case len(parts) == 2:
			return &ref{kind: refInput, name: parts[1]}, nil
		case len(parts) == 3 && contains(codesetFields, parts[2]):
			return &ref{kind: refCodesetField, name: parts[1], field: parts[2]}, nil
		case len(parts) == 3:
			return nil, fmt.Errorf("unknown codeset field %q (expected %s)", parts[2], strings.Join(codesetFields, ", "))
		}
		return nil, fmt.Errorf("expected inputs.NAME or inputs.CODESET.FIELD")
	case "steps":
		if len(parts) == 4 && parts[2] == "outputs" {
			return &ref{kind: refStepOutput, name: parts[1], field: parts[3]}, nil
		}
		return nil, fmt.Errorf("expected steps.STEP.outputs.OUTPUT")
	case "extensions", "extension": // FuseML's documentation uses both spellings
		switch {
		case len(parts) >= 4 && parts[2] == "cfg":
			return &ref{kind: refExtensionCfg, name: parts[1], field: strings.Join(parts[3:], ".")}, nil
		case len(parts) == 3 && contains(extensionFields, parts[2]):
			return &ref{kind: refExtension, name: parts[1], field: parts[2]}, nil
		case len(parts) == 3:
			return nil, fmt.Errorf("unknown extension field %q (expected %s or cfg.KEY)", parts[2], strings.Join(extensionFields, ", "))
		}
		return nil, fmt.Errorf("expected extensions.NAME.FIELD or extensions.NAME.cfg.KEY")
	}
	return nil, fmt.Errorf("unknown reference %q (expected inputs.…, steps.… or extensions.…)", expr)
}
