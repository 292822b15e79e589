package convert

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/openmodelops/fuseml-seldon/mlflow"
)

// MLServer runtimes and Seldon Core v2 requirements.
const (
	sklearnImplementation = "mlserver_sklearn.SKLearnModel"
	xgboostImplementation = "mlserver_xgboost.XGBoostModel"
	modelSettingsFile     = "model-settings.json"
)

// sklearn: SKLEARN_SERVER (and MLServer's sklearn runtime) load model.joblib; joblib
// loads MLflow's pickle and cloudpickle files as they are, so the pickled model is
// copied under that name.
func (b *builder) sklearn() error {
	rel, _ := b.m.SklearnFile()
	o, err := b.file(rel, "the pickled scikit-learn model (flavors.sklearn.pickled_model)")
	if err != nil {
		return err
	}
	b.setRoot("")
	b.copy(o, "model.joblib")
	if b.plan.API == V1 {
		b.plan.Server, b.plan.Protocol = SklearnServer, ProtocolSeldon
		return nil
	}
	b.plan.Server, b.plan.Protocol = MLServer, ProtocolV2
	b.plan.Requirements = []string{"sklearn"}
	return b.modelSettings(sklearnImplementation, "model.joblib")
}

// xgboost: XGBOOST_SERVER loads model.bst. XGBoost recognises the format of a saved
// booster (binary, JSON or UBJSON) from its content, so the booster is copied under that
// name whatever its extension. For v2 MLServer loads the file its parameters.uri names;
// JSON and UBJSON boosters keep their extension there (model.json, model.ubj).
func (b *builder) xgboost() error {
	rel, _ := b.m.XGBoostFile()
	o, err := b.file(rel, "the XGBoost booster (flavors.xgboost.data)")
	if err != nil {
		return err
	}
	b.setRoot("")
	if b.plan.API == V1 {
		b.copy(o, "model.bst")
		b.plan.Server, b.plan.Protocol = XGBoostServer, ProtocolSeldon
		return nil
	}
	name := "model.bst"
	switch strings.ToLower(path.Ext(rel)) {
	case ".json":
		name = "model.json"
	case ".ubj":
		name = "model.ubj"
	}
	b.copy(o, name)
	b.plan.Server, b.plan.Protocol = MLServer, ProtocolV2
	b.plan.Requirements = []string{"xgboost"}
	return b.modelSettings(xgboostImplementation, name)
}

// modelSettings writes MLServer's model-settings.json beside the model file.
func (b *builder) modelSettings(implementation, file string) error {
	settings := struct {
		Name           string `json:"name"`
		Implementation string `json:"implementation"`
		Parameters     struct {
			URI string `json:"uri"`
		} `json:"parameters"`
	}{Name: b.app, Implementation: implementation}
	settings.Parameters.URI = "./" + file
	data, err := json.MarshalIndent(settings, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", modelSettingsFile, err)
	}
	b.write(modelSettingsFile, string(data)+"\n")
	return nil
}

// mlflow: MLFLOW_SERVER and MLServer's MLflow runtime load the model folder as it is.
func (b *builder) mlflow() error {
	b.plan.ModelURI = b.dirURI
	if _, err := b.file(mlflow.MLmodelFile, "the MLmodel file"); err != nil {
		return err
	}
	if b.plan.API == V1 {
		b.plan.Server, b.plan.Protocol = MLflowServer, ProtocolSeldon
		return nil
	}
	b.plan.Server, b.plan.Protocol = MLServer, ProtocolV2
	b.plan.Requirements = []string{"mlflow"}
	return nil
}

// tensorflow: TF Serving (v1) loads <base>/1/, a numeric version folder holding the
// SavedModel; v2 serves SavedModels on Triton, as one Triton model folder.
func (b *builder) tensorflow() error {
	saved, err := b.savedModel()
	if err != nil {
		return err
	}
	if b.plan.API == V2 {
		return b.tritonModel("", saved, nil)
	}
	b.setRoot("")
	b.plan.Server, b.plan.Protocol = TensorFlowServer, ProtocolTensorFlow
	for _, f := range saved {
		b.copy(f.obj, path.Join("1", f.rel))
	}
	return nil
}

// triton: a Triton model repository <root>/<app>/ for v1 (the root is the repository),
// the model folder <root>/ for v2. A model with an onnx flavor is served from its ONNX
// file (that is the flavor Detect gives Triton); otherwise from its SavedModel.
func (b *builder) triton() error {
	sub := b.app
	if b.plan.API == V2 {
		sub = ""
	}
	if _, ok := b.m.ONNXFile(); ok {
		onnx, err := b.onnxFiles()
		if err != nil {
			return err
		}
		return b.tritonModel(sub, nil, onnx)
	}
	saved, err := b.savedModel()
	if err != nil {
		return err
	}
	return b.tritonModel(sub, saved, nil)
}

// savedModel lists the files of the model's SavedModel, relative to its folder, and
// checks that it holds saved_model.pb (or saved_model.pbtxt).
func (b *builder) savedModel() ([]relObject, error) {
	tf, ok := b.m.TFModel()
	if !ok || tf.Format != mlflow.FormatSavedModel {
		return nil, fmt.Errorf("%w: the model has no TensorFlow SavedModel", ErrUnsupported)
	}
	files := b.tree(tf.Path)
	for _, f := range files {
		if f.rel == "saved_model.pb" || f.rel == "saved_model.pbtxt" {
			return files, nil
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: the SavedModel folder %s/ (from the %s flavor) is empty or absent", ErrMissingFile, tf.Path, tf.Flavor)
	}
	return nil, fmt.Errorf("%w: the SavedModel folder %s/ (from the %s flavor) holds no saved_model.pb", ErrMissingFile, tf.Path, tf.Flavor)
}

// onnxFiles returns the ONNX model file followed by its external data files.
//
// The rule for external data: the objects directly in the ONNX file's folder (not in its
// subfolders) other than the ONNX file itself and MLflow's own files (MLmodel, the
// environment files, input examples, registered_model_meta, hidden files). MLflow writes
// external data beside the model file with onnx.save_model(save_as_external_data=True),
// and ONNX names data files relative to the model file's folder.
func (b *builder) onnxFiles() ([]relObject, error) {
	rel, _ := b.m.ONNXFile()
	o, err := b.file(rel, "the ONNX model (flavors.onnx.data)")
	if err != nil {
		return nil, err
	}
	out := []relObject{{rel: path.Base(rel), obj: o}}
	folder := path.Dir(rel)
	var data []relObject
	if folder == "." {
		for k, obj := range b.files {
			if !strings.Contains(k, "/") {
				data = append(data, relObject{rel: k, obj: obj})
			}
		}
	} else {
		for _, f := range b.tree(folder) {
			if !strings.Contains(f.rel, "/") {
				data = append(data, f)
			}
		}
	}
	own := b.mlflowOwnFiles()
	for _, f := range sortRel(data) {
		if f.rel == path.Base(rel) || own[f.rel] || strings.HasPrefix(f.rel, ".") ||
			strings.HasPrefix(f.rel, "input_example") || strings.HasPrefix(f.rel, "serving_input_example") {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// mlflowOwnFiles names the files MLflow writes into every model folder.
func (b *builder) mlflowOwnFiles() map[string]bool {
	own := map[string]bool{
		mlflow.MLmodelFile:      true,
		"conda.yaml":            true,
		"python_env.yaml":       true,
		"requirements.txt":      true,
		"constraints.txt":       true,
		"registered_model_meta": true,
		"LICENSE.txt":           true,
		"README.md":             true,
	}
	if f := b.m.Flavors.PythonFunction; f != nil {
		for _, p := range []string{f.Env.Conda, f.Env.Virtualenv} {
			if p != "" {
				own[p] = true
			}
		}
	}
	return own
}

// tritonModel lays out one Triton model folder at <root>/<sub>: config.pbtxt, and the
// version folder 1/ holding model.savedmodel/ (a SavedModel) or model.onnx (an ONNX file;
// a folder model.onnx/ holding the file and its external data when it has any).
func (b *builder) tritonModel(sub string, saved, onnx []relObject) error {
	b.setRoot("")
	if b.plan.API == V1 {
		b.plan.Server, b.plan.Protocol = TritonServer, ProtocolV2
	} else {
		b.plan.Server, b.plan.Protocol = Triton, ProtocolV2
	}
	var platform string
	switch {
	case onnx != nil:
		platform = platformONNX
		b.plan.Requirements = []string{"onnx"}
		if len(onnx) == 1 {
			b.copy(onnx[0].obj, path.Join(sub, "1", "model.onnx"))
			break
		}
		b.copy(onnx[0].obj, path.Join(sub, "1", "model.onnx", "model.onnx"))
		names := make([]string, 0, len(onnx)-1)
		for _, f := range onnx[1:] {
			b.copy(f.obj, path.Join(sub, "1", "model.onnx", f.rel))
			names = append(names, f.rel)
		}
		b.note("the ONNX model has external data (%s): laid out as the folder 1/model.onnx/", strings.Join(names, ", "))
	default:
		platform = platformSavedModel
		b.plan.Requirements = []string{"tensorflow"}
		for _, f := range saved {
			b.copy(f.obj, path.Join(sub, "1", "model.savedmodel", f.rel))
		}
	}
	if b.plan.API == V1 {
		b.plan.Requirements = nil
	}
	config, notes := tritonConfig(b.app, platform, b.m.Signature)
	for _, n := range notes {
		b.note("%s", n)
	}
	b.write(path.Join(sub, "config.pbtxt"), config)
	return nil
}

func sortRel(fs []relObject) []relObject {
	sort.Slice(fs, func(i, j int) bool { return fs[i].rel < fs[j].rel })
	return fs
}
