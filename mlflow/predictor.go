package mlflow

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Predictor names a Seldon prediction server, as the step's FUSEML_PREDICTOR input does.
type Predictor string

// The predictors. Auto asks Detect to choose.
const (
	Auto       Predictor = "auto"
	Sklearn    Predictor = "sklearn"
	TensorFlow Predictor = "tensorflow"
	Triton     Predictor = "triton"
	XGBoost    Predictor = "xgboost"
	MLflow     Predictor = "mlflow"
)

// Predictors lists the concrete predictors, in the order Detect prefers them.
var Predictors = []Predictor{Sklearn, TensorFlow, Triton, XGBoost, MLflow}

// ParsePredictor accepts auto and the names in Predictors, case-insensitively; "" is auto.
func ParsePredictor(s string) (Predictor, error) {
	p := Predictor(strings.ToLower(strings.TrimSpace(s)))
	if p == "" || p == Auto {
		return Auto, nil
	}
	for _, q := range Predictors {
		if p == q {
			return p, nil
		}
	}
	names := []string{string(Auto)}
	for _, q := range Predictors {
		names = append(names, string(q))
	}
	return "", fmt.Errorf("%w %q: expected one of %s", ErrUnknownPredictor, s, strings.Join(names, ", "))
}

// TF model formats, as TFModel reports them.
const (
	FormatSavedModel = "savedmodel" // a TensorFlow SavedModel folder: TF Serving and Triton serve it
	FormatHDF5       = "h5"         // a Keras HDF5 file: only MLflow's own server loads it
	FormatKeras      = "keras"      // a Keras 3 .keras file: only MLflow's own server loads it
)

// TFModel locates the TensorFlow or Keras model inside the model folder.
type TFModel struct {
	// Flavor is the flavor it comes from: tensorflow or keras.
	Flavor string
	// Path is relative to the model folder: a folder for a SavedModel, else a file.
	Path string
	// Format is FormatSavedModel, FormatHDF5 or FormatKeras.
	Format string
}

// TFModel resolves where the model's TensorFlow or Keras model lies, per MLflow version:
// MLflow 1.x tensorflow at saved_model_dir (tfmodel); MLflow 2.x tensorflow of model_type
// keras under data (data/model as a SavedModel, data/model.h5, data/model.keras), of
// model_type tf2-module at saved_model_dir (tf2model); keras with save_format tf at
// data/model, h5 at data/model.h5, Keras 3 at data/model.keras (or its exported
// SavedModel at data/model). ok is false when the model has neither flavor.
func (m *MLmodel) TFModel() (tf TFModel, ok bool) {
	if f := m.Flavors.TensorFlow; f != nil {
		switch f.ModelType {
		case TFModelTypeKeras:
			return kerasModel(FlavorTensorFlow, f.Data, f.SaveFormat, f.KerasVersion, false), true
		default:
			dir := cleanRel(f.SavedModelDir)
			if dir == "" {
				dir = "tfmodel"
				if f.ModelType == TFModelTypeTF2Module {
					dir = "tf2model"
				}
			}
			return TFModel{Flavor: FlavorTensorFlow, Path: dir, Format: FormatSavedModel}, true
		}
	}
	if f := m.Flavors.Keras; f != nil {
		return kerasModel(FlavorKeras, f.Data, f.SaveFormat, f.KerasVersion, f.SaveExportedModel), true
	}
	return TFModel{}, false
}

func kerasModel(flavor, data, saveFormat, kerasVersion string, exported bool) TFModel {
	data = cleanRel(data)
	if data == "" {
		data = "data"
	}
	keras3 := majorVersion(kerasVersion) >= 3
	switch {
	case exported:
		return TFModel{Flavor: flavor, Path: path.Join(data, "model"), Format: FormatSavedModel}
	case saveFormat == "tf":
		return TFModel{Flavor: flavor, Path: path.Join(data, "model"), Format: FormatSavedModel}
	case saveFormat == "h5":
		return TFModel{Flavor: flavor, Path: path.Join(data, "model.h5"), Format: FormatHDF5}
	case saveFormat == "keras" || keras3:
		return TFModel{Flavor: flavor, Path: path.Join(data, "model.keras"), Format: FormatKeras}
	case flavor == FlavorTensorFlow:
		// MLflow 2.x tensorflow flavor defaults to the SavedModel format.
		return TFModel{Flavor: flavor, Path: path.Join(data, "model"), Format: FormatSavedModel}
	default:
		// The keras flavor before save_format existed wrote HDF5 only.
		return TFModel{Flavor: flavor, Path: path.Join(data, "model.h5"), Format: FormatHDF5}
	}
}

func majorVersion(v string) int {
	major, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}

// SavedModelDir returns the folder of the model's TensorFlow SavedModel, relative to the
// model folder; ok is false when the model has none (no TF flavor, or HDF5/.keras).
func (m *MLmodel) SavedModelDir() (dir string, ok bool) {
	tf, ok := m.TFModel()
	if !ok || tf.Format != FormatSavedModel {
		return "", false
	}
	return tf.Path, true
}

// ONNXFile returns the ONNX model file relative to the model folder (model.onnx when the
// flavor leaves data empty); ok is false without an onnx flavor.
func (m *MLmodel) ONNXFile() (file string, ok bool) {
	if m.Flavors.ONNX == nil {
		return "", false
	}
	if f := cleanRel(m.Flavors.ONNX.Data); f != "" {
		return f, true
	}
	return "model.onnx", true
}

// SklearnFile returns the pickled scikit-learn model relative to the model folder.
func (m *MLmodel) SklearnFile() (file string, ok bool) {
	if m.Flavors.Sklearn == nil {
		return "", false
	}
	if f := cleanRel(m.Flavors.Sklearn.PickledModel); f != "" {
		return f, true
	}
	return "model.pkl", true
}

// XGBoostFile returns the saved booster relative to the model folder.
func (m *MLmodel) XGBoostFile() (file string, ok bool) {
	if m.Flavors.XGBoost == nil {
		return "", false
	}
	if f := cleanRel(m.Flavors.XGBoost.Data); f != "" {
		return f, true
	}
	return "model.xgb", true
}

// Detect chooses the predictor for a model: sklearn for the sklearn flavor; tensorflow for
// a SavedModel (tensorflow or keras flavor); triton for ONNX; xgboost; mlflow for any other
// model with python_function. A model with none of these wraps ErrNoServableFlavor and
// lists the flavors found.
func Detect(m *MLmodel) (Predictor, error) {
	for _, p := range Predictors {
		if _, ok := m.serves(p); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: the model's flavors are %s; Seldon serves sklearn, tensorflow or keras SavedModels, onnx, xgboost, and python_function models",
		ErrNoServableFlavor, strings.Join(m.Flavors.Names(), ", "))
}

// Check validates a requested predictor against the model; Auto is checked by Detect. A
// predictor that cannot serve the model gives a *MismatchError saying what the model is
// and which predictors would serve it.
func Check(m *MLmodel, p Predictor) error {
	if p == Auto || p == "" {
		_, err := Detect(m)
		return err
	}
	if _, err := ParsePredictor(string(p)); err != nil {
		return err
	}
	why, ok := m.serves(p)
	if ok {
		return nil
	}
	return &MismatchError{Requested: p, Model: m.Describe(), Why: why, Servable: Servable(m)}
}

// Servable lists the predictors that can serve the model, in Detect's order of preference.
func Servable(m *MLmodel) []Predictor {
	var out []Predictor
	for _, p := range Predictors {
		if _, ok := m.serves(p); ok {
			out = append(out, p)
		}
	}
	return out
}

// serves reports whether predictor p can serve the model and, when not, why not.
func (m *MLmodel) serves(p Predictor) (why string, ok bool) {
	fl := m.Flavors
	switch p {
	case Sklearn:
		if fl.Sklearn == nil {
			return "SKLEARN_SERVER loads a pickled scikit-learn model, and the model has no sklearn flavor", false
		}
		return "", true
	case TensorFlow, Triton:
		tf, hasTF := m.TFModel()
		if hasTF && tf.Format == FormatSavedModel {
			return "", true
		}
		if p == Triton && fl.ONNX != nil {
			return "", true
		}
		server := "TF Serving"
		needs := "a TensorFlow SavedModel"
		if p == Triton {
			server, needs = "Triton", "a TensorFlow SavedModel or an ONNX model"
		}
		if hasTF {
			return fmt.Sprintf("%s cannot load %s files; it needs %s", server, formatName(tf.Format), needs), false
		}
		return fmt.Sprintf("%s needs %s", server, needs), false
	case XGBoost:
		if fl.XGBoost == nil {
			return "XGBOOST_SERVER loads an XGBoost booster, and the model has no xgboost flavor", false
		}
		return "", true
	case MLflow:
		if fl.PythonFunction == nil {
			return "MLFLOW_SERVER loads models through the python_function flavor, which the model lacks", false
		}
		return "", true
	}
	return fmt.Sprintf("unknown predictor %q", p), false
}

func formatName(format string) string {
	switch format {
	case FormatHDF5:
		return "Keras HDF5 (.h5)"
	case FormatKeras:
		return "Keras 3 (.keras)"
	}
	return format
}

// Describe says in a few words what the model is, for messages: "a scikit-learn model
// (model.pkl)", "a Keras model saved as HDF5 (data/model.h5)", ...
func (m *MLmodel) Describe() string {
	fl := m.Flavors
	if f, ok := m.SklearnFile(); ok {
		return fmt.Sprintf("a scikit-learn model (%s)", f)
	}
	if tf, ok := m.TFModel(); ok {
		switch tf.Format {
		case FormatHDF5:
			return fmt.Sprintf("a Keras model saved as HDF5 (%s)", tf.Path)
		case FormatKeras:
			return fmt.Sprintf("a Keras 3 model saved as a .keras file (%s)", tf.Path)
		}
		return fmt.Sprintf("a TensorFlow SavedModel (%s)", tf.Path)
	}
	if f, ok := m.ONNXFile(); ok {
		return fmt.Sprintf("an ONNX model (%s)", f)
	}
	if f, ok := m.XGBoostFile(); ok {
		return fmt.Sprintf("an XGBoost model (%s)", f)
	}
	if fl.LightGBM != nil {
		return "a LightGBM model"
	}
	if fl.PyTorch != nil {
		return "a PyTorch model"
	}
	return fmt.Sprintf("a model with flavors %s", strings.Join(fl.Names(), ", "))
}
