package mlflow

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// MLmodelFile is the name of the metadata file at the root of every MLflow model folder.
const MLmodelFile = "MLmodel"

// MaxMLmodelSize is the largest MLmodel file Parse accepts. Real ones are a few KiB; a
// larger one is not an MLmodel, and reading it whole would let a bad model exhaust memory.
const MaxMLmodelSize = 1 << 20

// Flavor names as MLflow writes them.
const (
	FlavorPythonFunction = "python_function"
	FlavorSklearn        = "sklearn"
	FlavorTensorFlow     = "tensorflow"
	FlavorKeras          = "keras"
	FlavorONNX           = "onnx"
	FlavorXGBoost        = "xgboost"
	FlavorLightGBM       = "lightgbm"
	FlavorPyTorch        = "pytorch"
)

// MLmodel is the content of an MLmodel file. Keys and flavors this package does not model
// are kept in Extra and Flavors.Other, so nothing in the file is lost.
type MLmodel struct {
	ArtifactPath          string         `json:"artifact_path,omitempty"`
	RunID                 string         `json:"run_id,omitempty"`
	UTCTimeCreated        string         `json:"utc_time_created,omitempty"`
	ModelUUID             string         `json:"model_uuid,omitempty"`
	ModelID               string         `json:"model_id,omitempty"`
	MLflowVersion         string         `json:"mlflow_version,omitempty"`
	ModelSizeBytes        int64          `json:"model_size_bytes,omitempty"`
	Signature             *Signature     `json:"signature,omitempty"`
	SavedInputExampleInfo map[string]any `json:"saved_input_example_info,omitempty"`
	Metadata              map[string]any `json:"metadata,omitempty"`
	Flavors               Flavors        `json:"flavors"`
	// Extra holds the top-level keys not modelled above, decoded as plain values.
	Extra map[string]any `json:"extra,omitempty"`
}

// Flavors holds the flavors of a model; a nil field means the model lacks that flavor.
type Flavors struct {
	PythonFunction *PythonFunctionFlavor `json:"python_function,omitempty"`
	Sklearn        *SklearnFlavor        `json:"sklearn,omitempty"`
	TensorFlow     *TensorFlowFlavor     `json:"tensorflow,omitempty"`
	Keras          *KerasFlavor          `json:"keras,omitempty"`
	ONNX           *ONNXFlavor           `json:"onnx,omitempty"`
	XGBoost        *XGBoostFlavor        `json:"xgboost,omitempty"`
	LightGBM       *LightGBMFlavor       `json:"lightgbm,omitempty"`
	PyTorch        *PyTorchFlavor        `json:"pytorch,omitempty"`
	// Other holds flavors not modelled above (h2o, spark, transformers, ...) by name.
	Other map[string]map[string]any `json:"other,omitempty"`
}

// Names lists the flavors of the model, sorted.
func (f Flavors) Names() []string {
	var names []string
	add := func(ok bool, name string) {
		if ok {
			names = append(names, name)
		}
	}
	add(f.PythonFunction != nil, FlavorPythonFunction)
	add(f.Sklearn != nil, FlavorSklearn)
	add(f.TensorFlow != nil, FlavorTensorFlow)
	add(f.Keras != nil, FlavorKeras)
	add(f.ONNX != nil, FlavorONNX)
	add(f.XGBoost != nil, FlavorXGBoost)
	add(f.LightGBM != nil, FlavorLightGBM)
	add(f.PyTorch != nil, FlavorPyTorch)
	for name := range f.Other {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// PythonFunctionFlavor is the generic flavor every MLflow model has; MLServer's MLflow
// runtime serves models through it.
type PythonFunctionFlavor struct {
	LoaderModule  string         `json:"loader_module,omitempty"`
	PythonVersion string         `json:"python_version,omitempty"`
	Env           PythonEnv      `json:"env"`
	Data          string         `json:"data,omitempty"`
	Code          string         `json:"code,omitempty"`
	ModelPath     string         `json:"model_path,omitempty"`
	Extra         map[string]any `json:"extra,omitempty"`
}

// PythonEnv is the python_function env: a conda file name before MLflow 2.0 (Legacy), a
// map of conda and virtualenv files after.
type PythonEnv struct {
	Conda      string `json:"conda,omitempty"`
	Virtualenv string `json:"virtualenv,omitempty"`
	Legacy     bool   `json:"legacy,omitempty"`
}

// SklearnFlavor is the scikit-learn flavor.
type SklearnFlavor struct {
	PickledModel        string         `json:"pickled_model,omitempty"`
	SklearnVersion      string         `json:"sklearn_version,omitempty"`
	SerializationFormat string         `json:"serialization_format,omitempty"`
	Code                string         `json:"code,omitempty"`
	Extra               map[string]any `json:"extra,omitempty"`
}

// TensorFlow model types of MLflow 2.x and later (absent in MLflow 1.x).
const (
	TFModelTypeKeras        = "keras"
	TFModelTypeTF2Module    = "tf2-module"
	TFModelTypeTF1Estimator = "tf1-estimator"
)

// TensorFlowFlavor is the tensorflow flavor: in MLflow 1.x a SavedModel at
// saved_model_dir; from MLflow 2.0 a model_type of keras (the model under data) or
// tf2-module (a SavedModel at saved_model_dir).
type TensorFlowFlavor struct {
	SavedModelDir   string         `json:"saved_model_dir,omitempty"`
	MetaGraphTags   []string       `json:"meta_graph_tags,omitempty"`
	SignatureDefKey string         `json:"signature_def_key,omitempty"`
	ModelType       string         `json:"model_type,omitempty"`
	Data            string         `json:"data,omitempty"`
	KerasVersion    string         `json:"keras_version,omitempty"`
	SaveFormat      string         `json:"save_format,omitempty"`
	Code            string         `json:"code,omitempty"`
	Extra           map[string]any `json:"extra,omitempty"`
}

// KerasFlavor is the keras flavor of MLflow 1.x (save_format tf or h5) and of Keras 3
// (a .keras file, or an exported SavedModel with save_exported_model).
type KerasFlavor struct {
	Data              string         `json:"data,omitempty"`
	KerasModule       string         `json:"keras_module,omitempty"`
	KerasVersion      string         `json:"keras_version,omitempty"`
	KerasBackend      string         `json:"keras_backend,omitempty"`
	SaveFormat        string         `json:"save_format,omitempty"`
	SaveExportedModel bool           `json:"save_exported_model,omitempty"`
	Code              string         `json:"code,omitempty"`
	Extra             map[string]any `json:"extra,omitempty"`
}

// ONNXFlavor is the onnx flavor; Data is the model file, usually model.onnx.
type ONNXFlavor struct {
	Data        string         `json:"data,omitempty"`
	ONNXVersion string         `json:"onnx_version,omitempty"`
	Providers   []string       `json:"providers,omitempty"`
	Code        string         `json:"code,omitempty"`
	Extra       map[string]any `json:"extra,omitempty"`
}

// XGBoostFlavor is the xgboost flavor; Data is the saved booster (model.xgb, model.json,
// model.ubj...).
type XGBoostFlavor struct {
	Data        string         `json:"data,omitempty"`
	XGBVersion  string         `json:"xgb_version,omitempty"`
	ModelClass  string         `json:"model_class,omitempty"`
	ModelFormat string         `json:"model_format,omitempty"`
	Code        string         `json:"code,omitempty"`
	Extra       map[string]any `json:"extra,omitempty"`
}

// LightGBMFlavor is the lightgbm flavor.
type LightGBMFlavor struct {
	Data       string         `json:"data,omitempty"`
	LGBVersion string         `json:"lgb_version,omitempty"`
	ModelClass string         `json:"model_class,omitempty"`
	Code       string         `json:"code,omitempty"`
	Extra      map[string]any `json:"extra,omitempty"`
}

// PyTorchFlavor is the pytorch flavor.
type PyTorchFlavor struct {
	ModelData      string         `json:"model_data,omitempty"`
	PyTorchVersion string         `json:"pytorch_version,omitempty"`
	Code           string         `json:"code,omitempty"`
	Extra          map[string]any `json:"extra,omitempty"`
}

// Parse reads the content of an MLmodel file. It refuses an empty file, one over
// MaxMLmodelSize, one that is not a YAML mapping, one without flavors, and any flavor
// path that is absolute or climbs out of the model folder; every such error is a
// *FieldError naming the field and wraps ErrInvalidMLmodel.
func Parse(data []byte) (*MLmodel, error) {
	if len(data) > MaxMLmodelSize {
		return nil, &FieldError{Reason: fmt.Sprintf("the file is %d bytes, more than the %d an MLmodel may have", len(data), MaxMLmodelSize)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &FieldError{Reason: "the file is empty"}
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &FieldError{Reason: "not valid YAML: " + cleanYAMLError(err)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, &FieldError{Reason: "the file holds no YAML document"}
	}
	top, err := newFields("", doc.Content[0])
	if err != nil {
		return nil, err
	}
	m := &MLmodel{
		ArtifactPath:          top.str("artifact_path"),
		RunID:                 top.str("run_id"),
		UTCTimeCreated:        top.str("utc_time_created"),
		ModelUUID:             top.str("model_uuid"),
		ModelID:               top.str("model_id"),
		MLflowVersion:         top.str("mlflow_version"),
		ModelSizeBytes:        top.int64("model_size_bytes"),
		SavedInputExampleInfo: top.anyMap("saved_input_example_info"),
		Metadata:              top.anyMap("metadata"),
	}
	if top.err != nil {
		return nil, top.err
	}
	if n := top.node("signature"); n != nil {
		sig, err := parseSignature(n)
		if err != nil {
			return nil, err
		}
		m.Signature = sig
	}
	flavorsNode := top.node("flavors")
	if flavorsNode == nil {
		return nil, &FieldError{Field: "flavors", Reason: "missing: an MLmodel lists at least one flavor"}
	}
	if m.Flavors, err = parseFlavors(flavorsNode); err != nil {
		return nil, err
	}
	m.Extra = top.extra()
	if top.err != nil {
		return nil, top.err
	}
	if err := m.checkPaths(); err != nil {
		return nil, err
	}
	return m, nil
}

func parseFlavors(n *yaml.Node) (Flavors, error) {
	var fl Flavors
	all, err := newFields("flavors", n)
	if err != nil {
		return fl, err
	}
	if len(all.keys) == 0 {
		return fl, &FieldError{Field: "flavors", Reason: "empty: an MLmodel lists at least one flavor"}
	}
	for _, name := range all.keys {
		f, err := newFields("flavors."+name, all.node(name))
		if err != nil {
			return fl, err
		}
		switch name {
		case FlavorPythonFunction:
			p := &PythonFunctionFlavor{
				LoaderModule:  f.str("loader_module"),
				PythonVersion: f.str("python_version"),
				Data:          f.str("data"),
				Code:          f.str("code"),
				ModelPath:     f.str("model_path"),
			}
			p.Env, err = parsePythonEnv(f)
			if err != nil {
				return fl, err
			}
			p.Extra = f.extra()
			fl.PythonFunction = p
		case FlavorSklearn:
			fl.Sklearn = &SklearnFlavor{
				PickledModel:        f.str("pickled_model"),
				SklearnVersion:      f.str("sklearn_version"),
				SerializationFormat: f.str("serialization_format"),
				Code:                f.str("code"),
				Extra:               f.extra(),
			}
		case FlavorTensorFlow:
			fl.TensorFlow = &TensorFlowFlavor{
				SavedModelDir:   f.str("saved_model_dir"),
				MetaGraphTags:   f.strList("meta_graph_tags"),
				SignatureDefKey: f.str("signature_def_key"),
				ModelType:       f.str("model_type"),
				Data:            f.str("data"),
				KerasVersion:    f.str("keras_version"),
				SaveFormat:      f.str("save_format"),
				Code:            f.str("code"),
				Extra:           f.extra(),
			}
		case FlavorKeras:
			fl.Keras = &KerasFlavor{
				Data:              f.str("data"),
				KerasModule:       f.str("keras_module"),
				KerasVersion:      f.str("keras_version"),
				KerasBackend:      f.str("keras_backend"),
				SaveFormat:        f.str("save_format"),
				SaveExportedModel: f.bool("save_exported_model"),
				Code:              f.str("code"),
				Extra:             f.extra(),
			}
		case FlavorONNX:
			fl.ONNX = &ONNXFlavor{
				Data:        f.str("data"),
				ONNXVersion: f.str("onnx_version"),
				Providers:   f.strList("providers"),
				Code:        f.str("code"),
				Extra:       f.extra(),
			}
		case FlavorXGBoost:
			fl.XGBoost = &XGBoostFlavor{
				Data:        f.str("data"),
				XGBVersion:  f.str("xgb_version"),
				ModelClass:  f.str("model_class"),
				ModelFormat: f.str("model_format"),
				Code:        f.str("code"),
				Extra:       f.extra(),
			}
		case FlavorLightGBM:
			fl.LightGBM = &LightGBMFlavor{
				Data:       f.str("data"),
				LGBVersion: f.str("lgb_version"),
				ModelClass: f.str("model_class"),
				Code:       f.str("code"),
				Extra:      f.extra(),
			}
		case FlavorPyTorch:
			fl.PyTorch = &PyTorchFlavor{
				ModelData:      f.str("model_data"),
				PyTorchVersion: f.str("pytorch_version"),
				Code:           f.str("code"),
				Extra:          f.extra(),
			}
		default:
			if fl.Other == nil {
				fl.Other = map[string]map[string]any{}
			}
			conf := f.extra()
			if conf == nil {
				conf = map[string]any{}
			}
			fl.Other[name] = conf
		}
		if f.err != nil {
			return fl, f.err
		}
	}
	return fl, nil
}

func parsePythonEnv(f *fields) (PythonEnv, error) {
	n := f.node("env")
	if n == nil {
		return PythonEnv{}, nil
	}
	if n.Kind == yaml.ScalarNode {
		return PythonEnv{Conda: n.Value, Legacy: true}, nil
	}
	env, err := newFields(f.sub("env"), n)
	if err != nil {
		return PythonEnv{}, &FieldError{Field: f.sub("env"), Reason: fmt.Sprintf("expected a file name or a mapping of conda and virtualenv, found %s (line %d)", kindName(n), n.Line)}
	}
	out := PythonEnv{Conda: env.str("conda"), Virtualenv: env.str("virtualenv")}
	return out, env.err
}

// checkPaths refuses flavor paths that are absolute or climb out of the model folder:
// the step copies what they name, and must never read or write outside the model.
func (m *MLmodel) checkPaths() error {
	type p struct{ field, value string }
	var ps []p
	add := func(field, value string) { ps = append(ps, p{field, value}) }
	fl := m.Flavors
	if f := fl.PythonFunction; f != nil {
		add("flavors.python_function.data", f.Data)
		add("flavors.python_function.code", f.Code)
		add("flavors.python_function.model_path", f.ModelPath)
		add("flavors.python_function.env.conda", f.Env.Conda)
		add("flavors.python_function.env.virtualenv", f.Env.Virtualenv)
	}
	if f := fl.Sklearn; f != nil {
		add("flavors.sklearn.pickled_model", f.PickledModel)
		add("flavors.sklearn.code", f.Code)
	}
	if f := fl.TensorFlow; f != nil {
		add("flavors.tensorflow.saved_model_dir", f.SavedModelDir)
		add("flavors.tensorflow.data", f.Data)
		add("flavors.tensorflow.code", f.Code)
	}
	if f := fl.Keras; f != nil {
		add("flavors.keras.data", f.Data)
		add("flavors.keras.code", f.Code)
	}
	if f := fl.ONNX; f != nil {
		add("flavors.onnx.data", f.Data)
		add("flavors.onnx.code", f.Code)
	}
	if f := fl.XGBoost; f != nil {
		add("flavors.xgboost.data", f.Data)
		add("flavors.xgboost.code", f.Code)
	}
	if f := fl.LightGBM; f != nil {
		add("flavors.lightgbm.data", f.Data)
		add("flavors.lightgbm.code", f.Code)
	}
	if f := fl.PyTorch; f != nil {
		add("flavors.pytorch.model_data", f.ModelData)
		add("flavors.pytorch.code", f.Code)
	}
	for _, p := range ps {
		if err := checkRelPath(p.field, p.value); err != nil {
			return err
		}
	}
	return nil
}

var windowsDrive = regexp.MustCompile(`^[A-Za-z]:`)

// checkRelPath accepts "" and paths relative to the model folder that stay inside it.
func checkRelPath(field, p string) error {
	if p == "" {
		return nil
	}
	if strings.ContainsRune(p, 0) {
		return &FieldError{Field: field, Reason: fmt.Sprintf("path %q holds a NUL byte", p)}
	}
	s := strings.ReplaceAll(p, `\`, "/")
	if strings.HasPrefix(s, "/") || windowsDrive.MatchString(s) {
		return &FieldError{Field: field, Reason: fmt.Sprintf("path %q is absolute; flavor paths are relative to the model folder", p)}
	}
	if c := path.Clean(s); c == ".." || strings.HasPrefix(c, "../") {
		return &FieldError{Field: field, Reason: fmt.Sprintf("path %q climbs out of the model folder", p)}
	}
	return nil
}

// cleanRel returns a flavor path in the form used for object keys: slash-separated,
// cleaned, without a leading "./". checkRelPath must have accepted it.
func cleanRel(p string) string {
	c := path.Clean(strings.ReplaceAll(p, `\`, "/"))
	if c == "." {
		return ""
	}
	return c
}
