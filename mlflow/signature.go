package mlflow

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Signature is an MLmodel's signature. MLflow stores inputs, outputs and params each as a
// JSON string inside the YAML; Parse decodes them.
type Signature struct {
	Inputs  *Schema     `json:"inputs,omitempty"`
	Outputs *Schema     `json:"outputs,omitempty"`
	Params  []ParamSpec `json:"params,omitempty"`
}

// Schema is a list of columns (column-based) or of tensors (tensor-based); MLflow does not
// mix the two in one schema.
type Schema struct {
	Columns []ColumnSpec `json:"columns,omitempty"`
	Tensors []TensorSpec `json:"tensors,omitempty"`
}

// TensorBased reports whether the schema describes tensors.
func (s *Schema) TensorBased() bool { return s != nil && len(s.Tensors) > 0 }

// ColumnSpec is one column of a column-based schema. Type is MLflow's type name (double,
// long, string, ...; array, object and map for complex columns, whose detail stays in Raw).
type ColumnSpec struct {
	Name     string          `json:"name,omitempty"`
	Type     string          `json:"type"`
	Required *bool           `json:"required,omitempty"`
	Raw      json.RawMessage `json:"raw,omitempty"`
}

// TensorSpec is one tensor of a tensor-based schema: numpy dtype and shape, -1 for a
// variable dimension.
type TensorSpec struct {
	Name  string  `json:"name,omitempty"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
}

// ParamSpec is one inference parameter of the signature.
type ParamSpec struct {
	Name    string          `json:"name"`
	Type    string          `json:"type"`
	Default json.RawMessage `json:"default,omitempty"`
	Shape   []int64         `json:"shape,omitempty"`
}

func parseSignature(n *yaml.Node) (*Signature, error) {
	f, err := newFields("signature", n)
	if err != nil {
		return nil, err
	}
	sig := &Signature{}
	if sig.Inputs, err = parseSchema(f, "inputs"); err != nil {
		return nil, err
	}
	if sig.Outputs, err = parseSchema(f, "outputs"); err != nil {
		return nil, err
	}
	if s := f.str("params"); s != "" {
		if err := json.Unmarshal([]byte(s), &sig.Params); err != nil {
			return nil, &FieldError{Field: "signature.params", Reason: "not a JSON list of parameters: " + err.Error()}
		}
		for i, p := range sig.Params {
			if p.Name == "" {
				return nil, &FieldError{Field: fmt.Sprintf("signature.params[%d].name", i), Reason: "missing"}
			}
		}
	}
	f.extra() // signature keys beyond these are ignored, as MLflow ignores them
	if f.err != nil {
		return nil, f.err
	}
	return sig, nil
}

type rawSpec struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	Required   *bool  `json:"required"`
	TensorSpec *struct {
		DType string  `json:"dtype"`
		Shape []int64 `json:"shape"`
	} `json:"tensor-spec"`
}

func parseSchema(f *fields, key string) (*Schema, error) {
	s := f.str(key)
	if f.err != nil || s == "" {
		return nil, f.err
	}
	field := "signature." + key
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raws); err != nil {
		return nil, &FieldError{Field: field, Reason: "not a JSON list of column or tensor specs: " + err.Error()}
	}
	out := &Schema{}
	for i, raw := range raws {
		var r rawSpec
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Reason: err.Error()}
		}
		if r.Type == "" {
			return nil, &FieldError{Field: fmt.Sprintf("%s[%d].type", field, i), Reason: "missing"}
		}
		if r.Type == "tensor" {
			if r.TensorSpec == nil || r.TensorSpec.DType == "" {
				return nil, &FieldError{Field: fmt.Sprintf("%s[%d].tensor-spec", field, i), Reason: "a tensor needs a tensor-spec with a dtype"}
			}
			out.Tensors = append(out.Tensors, TensorSpec{Name: r.Name, DType: r.TensorSpec.DType, Shape: r.TensorSpec.Shape})
			continue
		}
		out.Columns = append(out.Columns, ColumnSpec{Name: r.Name, Type: r.Type, Required: r.Required, Raw: raw})
	}
	if len(out.Tensors) > 0 && len(out.Columns) > 0 {
		return nil, &FieldError{Field: field, Reason: "mixes tensors and columns; a schema is one or the other"}
	}
	return out, nil
}
