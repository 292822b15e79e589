package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/openmodelops/fuseml-seldon/mlflow"
)

// Triton platforms.
const (
	platformSavedModel = "tensorflow_savedmodel"
	platformONNX       = "onnxruntime_onnx"
)

// tritonTypes maps numpy dtype names, as MLflow writes them in tensor specs, to Triton's.
var tritonTypes = map[string]string{
	"bool":    "TYPE_BOOL",
	"uint8":   "TYPE_UINT8",
	"uint16":  "TYPE_UINT16",
	"uint32":  "TYPE_UINT32",
	"uint64":  "TYPE_UINT64",
	"int8":    "TYPE_INT8",
	"int16":   "TYPE_INT16",
	"int32":   "TYPE_INT32",
	"int64":   "TYPE_INT64",
	"float16": "TYPE_FP16",
	"float32": "TYPE_FP32",
	"float64": "TYPE_FP64",
	"float":   "TYPE_FP64", // numpy's float is float64
	"double":  "TYPE_FP64",
	"int":     "TYPE_INT64",
	"str":     "TYPE_STRING",
	"object":  "TYPE_STRING",
	"bytes":   "TYPE_STRING",
	"bytes_":  "TYPE_STRING",
	"str_":    "TYPE_STRING",
}

// tritonType maps a numpy dtype to Triton's data type; numpy's fixed-width string forms
// (<U12, |S8) are strings.
func tritonType(dtype string) (string, bool) {
	d := strings.ToLower(strings.TrimSpace(dtype))
	if t, ok := tritonTypes[d]; ok {
		return t, true
	}
	d = strings.TrimLeft(d, "<>|=")
	if len(d) > 0 && (d[0] == 'u' || d[0] == 's') {
		if _, err := strconv.Atoi(d[1:]); err == nil || len(d) == 1 {
			return "TYPE_STRING", true
		}
	}
	return "", false
}

// tritonConfig writes the config.pbtxt of a Triton model: its name and platform, and,
// when the MLflow signature describes tensors (all named, of known dtypes) for both inputs
// and outputs, those inputs and outputs. Otherwise it leaves them out and Triton completes
// the configuration from the model itself (auto-complete); notes say why.
//
// Batching: a signature's leading -1 is kept in dims with max_batch_size 0. MLflow's
// signature cannot tell a batch dimension from any other variable one, and Triton with
// max_batch_size 0 passes the full shape, -1 included, to the model: requests of any
// batch size work, and no dimension is dropped from a model that does not batch.
func tritonConfig(name, platform string, sig *mlflow.Signature) (string, []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\n", strconv.Quote(name))
	fmt.Fprintf(&b, "platform: %s\n", strconv.Quote(platform))
	if sig == nil || (sig.Inputs == nil && sig.Outputs == nil) {
		return b.String(), []string{"the model has no signature: Triton completes config.pbtxt's inputs and outputs from the model"}
	}
	if !sig.Inputs.TensorBased() || !sig.Outputs.TensorBased() {
		return b.String(), []string{"the model's signature is not tensor-based for both inputs and outputs: Triton completes config.pbtxt's inputs and outputs from the model"}
	}
	var ins, outs strings.Builder
	for _, part := range []struct {
		what    string
		tensors []mlflow.TensorSpec
		out     *strings.Builder
	}{{"input", sig.Inputs.Tensors, &ins}, {"output", sig.Outputs.Tensors, &outs}} {
		for i, t := range part.tensors {
			if t.Name == "" {
				return b.String(), []string{fmt.Sprintf("signature %s %d has no name: Triton completes config.pbtxt's inputs and outputs from the model", part.what, i)}
			}
			typ, ok := tritonType(t.DType)
			if !ok {
				return b.String(), []string{fmt.Sprintf("signature %s %q has dtype %q, which Triton has no type for: Triton completes config.pbtxt's inputs and outputs from the model", part.what, t.Name, t.DType)}
			}
			if i > 0 {
				part.out.WriteString(",\n")
			}
			fmt.Fprintf(part.out, "  {\n    name: %s\n    data_type: %s\n", strconv.Quote(t.Name), typ)
			if len(t.Shape) == 0 {
				part.out.WriteString("    dims: [ 1 ]\n    reshape: { shape: [ ] }\n  }")
				continue
			}
			dims := make([]string, len(t.Shape))
			for j, d := range t.Shape {
				if d < 0 {
					d = -1
				}
				dims[j] = strconv.FormatInt(d, 10)
			}
			fmt.Fprintf(part.out, "    dims: [ %s ]\n  }", strings.Join(dims, ", "))
		}
	}
	b.WriteString("max_batch_size: 0\n")
	fmt.Fprintf(&b, "input [\n%s\n]\n", ins.String())
	fmt.Fprintf(&b, "output [\n%s\n]\n", outs.String())
	return b.String(), nil
}
