package mlflow

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "models", name, MLmodelFile))
	require.NoError(t, err)
	return data
}

func parseFixture(t testing.TB, name string) *MLmodel {
	t.Helper()
	m, err := Parse(readFixture(t, name))
	require.NoError(t, err, "fixture %s", name)
	return m
}

// TestDetectFixtures runs every model fixture through Parse, Detect, SavedModelDir and
// Servable, with the expectations written from the rules in DESIGN.md.
func TestDetectFixtures(t *testing.T) {
	tests := []struct {
		fixture    string
		flavors    []string
		predictor  Predictor
		savedModel string // "" when the model has no SavedModel
		servable   []Predictor
	}{
		{"sklearn-mlflow1", []string{"python_function", "sklearn"}, Sklearn, "", []Predictor{Sklearn, MLflow}},
		{"sklearn-mlflow2", []string{"python_function", "sklearn"}, Sklearn, "", []Predictor{Sklearn, MLflow}},
		{"sklearn-mlflow3", []string{"python_function", "sklearn"}, Sklearn, "", []Predictor{Sklearn, MLflow}},
		{"tensorflow-mlflow1", []string{"python_function", "tensorflow"}, TensorFlow, "tfmodel", []Predictor{TensorFlow, Triton, MLflow}},
		{"tensorflow-keras-savedmodel-mlflow2", []string{"python_function", "tensorflow"}, TensorFlow, "data/model", []Predictor{TensorFlow, Triton, MLflow}},
		{"tensorflow-keras-h5-mlflow2", []string{"python_function", "tensorflow"}, MLflow, "", []Predictor{MLflow}},
		{"tensorflow-tf2module-mlflow2", []string{"python_function", "tensorflow"}, TensorFlow, "tf2model", []Predictor{TensorFlow, Triton, MLflow}},
		{"keras-savedmodel-mlflow1", []string{"keras", "python_function"}, TensorFlow, "data/model", []Predictor{TensorFlow, Triton, MLflow}},
		{"keras-h5-mlflow1", []string{"keras", "python_function"}, MLflow, "", []Predictor{MLflow}},
		{"keras3-mlflow2", []string{"keras", "python_function"}, MLflow, "", []Predictor{MLflow}},
		{"onnx-mlflow2", []string{"onnx", "python_function"}, Triton, "", []Predictor{Triton, MLflow}},
		{"onnx-external-data-mlflow3", []string{"onnx", "python_function"}, Triton, "", []Predictor{Triton, MLflow}},
		{"xgboost-mlflow2", []string{"python_function", "xgboost"}, XGBoost, "", []Predictor{XGBoost, MLflow}},
		{"xgboost-ubj-mlflow3", []string{"python_function", "xgboost"}, XGBoost, "", []Predictor{XGBoost, MLflow}},
		{"lightgbm-mlflow2", []string{"lightgbm", "python_function"}, MLflow, "", []Predictor{MLflow}},
		{"pytorch-mlflow2", []string{"python_function", "pytorch"}, MLflow, "", []Predictor{MLflow}},
		{"pyfunc-custom-mlflow2", []string{"python_function"}, MLflow, "", []Predictor{MLflow}},
		{"transformers-mlflow2", []string{"python_function", "transformers"}, MLflow, "", []Predictor{MLflow}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.fixture] = true
		t.Run(tt.fixture, func(t *testing.T) {
			m := parseFixture(t, tt.fixture)
			assert.Equal(t, tt.flavors, m.Flavors.Names())
			p, err := Detect(m)
			require.NoError(t, err)
			assert.Equal(t, tt.predictor, p)
			dir, ok := m.SavedModelDir()
			assert.Equal(t, tt.savedModel, dir)
			assert.Equal(t, tt.savedModel != "", ok)
			assert.Equal(t, tt.servable, Servable(m))
			require.NoError(t, Check(m, Auto))
			for _, q := range tt.servable {
				assert.NoError(t, Check(m, q), "Check(%s)", q)
			}
		})
	}
	// Every fixture folder is in the table (but the unservable one, tested below).
	dirs, err := os.ReadDir(filepath.Join("testdata", "models"))
	require.NoError(t, err)
	for _, d := range dirs {
		if !seen[d.Name()] && d.Name() != "mleap-only-mlflow1" {
			t.Errorf("fixture %s is not in the table", d.Name())
		}
	}
}

func TestDetectNothingServable(t *testing.T) {
	m := parseFixture(t, "mleap-only-mlflow1")
	_, err := Detect(m)
	require.ErrorIs(t, err, ErrNoServableFlavor)
	assert.EqualError(t, err, "no servable flavor: the model's flavors are mleap, spark; Seldon serves sklearn, tensorflow or keras SavedModels, onnx, xgboost, and python_function models")
	assert.Equal(t, map[string]any{"mleap_version": "0.16.0", "model_data": "mleap/model"}, m.Flavors.Other["mleap"])
	assert.ErrorIs(t, Check(m, Auto), ErrNoServableFlavor)
}

func TestCheckMismatch(t *testing.T) {
	tests := []struct {
		fixture   string
		requested Predictor
		want      string
	}{
		{"tensorflow-keras-h5-mlflow2", TensorFlow,
			`predictor "tensorflow" cannot serve this model: it is a Keras model saved as HDF5 (data/model.h5) (TF Serving cannot load Keras HDF5 (.h5) files; it needs a TensorFlow SavedModel); predictors that would serve it: mlflow`},
		{"keras-h5-mlflow1", Triton,
			`predictor "triton" cannot serve this model: it is a Keras model saved as HDF5 (data/model.h5) (Triton cannot load Keras HDF5 (.h5) files; it needs a TensorFlow SavedModel or an ONNX model); predictors that would serve it: mlflow`},
		{"keras3-mlflow2", TensorFlow,
			`predictor "tensorflow" cannot serve this model: it is a Keras 3 model saved as a .keras file (data/model.keras) (TF Serving cannot load Keras 3 (.keras) files; it needs a TensorFlow SavedModel); predictors that would serve it: mlflow`},
		{"onnx-mlflow2", Sklearn,
			`predictor "sklearn" cannot serve this model: it is an ONNX model (model.onnx) (SKLEARN_SERVER loads a pickled scikit-learn model, and the model has no sklearn flavor); predictors that would serve it: triton, mlflow`},
		{"sklearn-mlflow2", Triton,
			`predictor "triton" cannot serve this model: it is a scikit-learn model (model.pkl) (Triton needs a TensorFlow SavedModel or an ONNX model); predictors that would serve it: sklearn, mlflow`},
		{"sklearn-mlflow1", TensorFlow,
			`predictor "tensorflow" cannot serve this model: it is a scikit-learn model (model.pkl) (TF Serving needs a TensorFlow SavedModel); predictors that would serve it: sklearn, mlflow`},
		{"onnx-mlflow2", TensorFlow,
			`predictor "tensorflow" cannot serve this model: it is an ONNX model (model.onnx) (TF Serving needs a TensorFlow SavedModel); predictors that would serve it: triton, mlflow`},
		{"tensorflow-mlflow1", XGBoost,
			`predictor "xgboost" cannot serve this model: it is a TensorFlow SavedModel (tfmodel) (XGBOOST_SERVER loads an XGBoost booster, and the model has no xgboost flavor); predictors that would serve it: tensorflow, triton, mlflow`},
		{"mleap-only-mlflow1", MLflow,
			`predictor "mlflow" cannot serve this model: it is a model with flavors mleap, spark (MLFLOW_SERVER loads models through the python_function flavor, which the model lacks); no Seldon predictor can serve it`},
	}
	for _, tt := range tests {
		t.Run(tt.fixture+"/"+string(tt.requested), func(t *testing.T) {
			err := Check(parseFixture(t, tt.fixture), tt.requested)
			var mm *MismatchError
			require.ErrorAs(t, err, &mm)
			assert.Equal(t, tt.requested, mm.Requested)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestParsePredictor(t *testing.T) {
	for in, want := range map[string]Predictor{"": Auto, "auto": Auto, "SKLEARN": Sklearn, " triton ": Triton, "mlflow": MLflow, "xgboost": XGBoost, "tensorflow": TensorFlow} {
		got, err := ParsePredictor(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := ParsePredictor("pytorch")
	require.ErrorIs(t, err, ErrUnknownPredictor)
	assert.EqualError(t, err, `unknown predictor "pytorch": expected one of auto, sklearn, tensorflow, triton, xgboost, mlflow`)
	assert.ErrorIs(t, Check(parseFixture(t, "sklearn-mlflow2"), "torchserve"), ErrUnknownPredictor)
}

func TestParseBroken(t *testing.T) {
	tests := map[string]struct {
		field string
		want  string
	}{
		"absolute-path":             {"flavors.onnx.data", `invalid MLmodel: field flavors.onnx.data: path "/etc/models/model.onnx" is absolute; flavor paths are relative to the model folder`},
		"bad-signature":             {"signature.inputs", "invalid MLmodel: field signature.inputs: not a JSON list of column or tensor specs: unexpected end of JSON input"},
		"bad-yaml":                  {"", "invalid MLmodel: not valid YAML: line 1: did not find expected key"},
		"empty":                     {"", "invalid MLmodel: the file is empty"},
		"empty-flavors":             {"flavors", "invalid MLmodel: field flavors: empty: an MLmodel lists at least one flavor"},
		"flavors-not-mapping":       {"flavors", "invalid MLmodel: field flavors: expected a mapping, found a list (line 2)"},
		"no-flavors":                {"flavors", "invalid MLmodel: field flavors: missing: an MLmodel lists at least one flavor"},
		"not-a-mapping":             {"", `invalid MLmodel: expected a mapping, found the scalar "just a string, not an MLmodel" (line 1)`},
		"oversized":                 {"", "invalid MLmodel: the file is 1095070 bytes, more than the 1048576 an MLmodel may have"},
		"path-traversal":            {"flavors.sklearn.pickled_model", `invalid MLmodel: field flavors.sklearn.pickled_model: path "../../../etc/passwd" climbs out of the model folder`},
		"traversal-saved-model-dir": {"flavors.tensorflow.saved_model_dir", `invalid MLmodel: field flavors.tensorflow.saved_model_dir: path "tfmodel/../../outside" climbs out of the model folder`},
		"wrong-type":                {"flavors.sklearn.pickled_model", "invalid MLmodel: field flavors.sklearn.pickled_model: expected a string, found a mapping (line 4)"},
	}
	files, err := filepath.Glob(filepath.Join("testdata", "broken", "*.MLmodel"))
	require.NoError(t, err)
	require.Len(t, files, len(tests), "every broken fixture has a row")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".MLmodel")
		t.Run(name, func(t *testing.T) {
			tt, ok := tests[name]
			require.True(t, ok, "no row for %s", name)
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			m, err := Parse(data)
			assert.Nil(t, m)
			require.ErrorIs(t, err, ErrInvalidMLmodel)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.field, fe.Field)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestParseKeepsEverything(t *testing.T) {
	m := parseFixture(t, "sklearn-mlflow3")
	assert.Equal(t, "model", m.ArtifactPath)
	assert.Equal(t, "3.1.4", m.MLflowVersion)
	assert.Equal(t, "m-4c8e1a9b2f3d4e5a", m.ModelID)
	assert.Equal(t, int64(10823), m.ModelSizeBytes)
	assert.Equal(t, map[string]any{"team": "churn"}, m.Metadata)
	assert.Equal(t, map[string]any{"is_signature_from_type_hint": false, "prompts": nil, "type_hint_from_example": false}, m.Extra)
	assert.Equal(t, PythonEnv{Conda: "conda.yaml", Virtualenv: "python_env.yaml"}, m.Flavors.PythonFunction.Env)
	assert.Equal(t, map[string]any{"predict_fn": "predict"}, m.Flavors.PythonFunction.Extra)
	assert.Equal(t, "cloudpickle", m.Flavors.Sklearn.SerializationFormat)
	assert.Equal(t, "1.6.1", m.Flavors.Sklearn.SklearnVersion)

	require.NotNil(t, m.Signature)
	assert.False(t, m.Signature.Inputs.TensorBased())
	require.Len(t, m.Signature.Inputs.Columns, 3)
	assert.Equal(t, "tenure", m.Signature.Inputs.Columns[0].Name)
	assert.Equal(t, "long", m.Signature.Inputs.Columns[0].Type)
	assert.Equal(t, "array", m.Signature.Inputs.Columns[2].Type)
	assert.JSONEq(t, `{"type": "array", "items": {"type": "double"}, "name": "usage", "required": false}`, string(m.Signature.Inputs.Columns[2].Raw))
	require.Len(t, m.Signature.Params, 1)
	assert.Equal(t, "threshold", m.Signature.Params[0].Name)
	assert.JSONEq(t, "0.5", string(m.Signature.Params[0].Default))

	legacy := parseFixture(t, "sklearn-mlflow1")
	assert.Equal(t, PythonEnv{Conda: "conda.yaml", Legacy: true}, legacy.Flavors.PythonFunction.Env)
	assert.Nil(t, legacy.Signature)

	onnx := parseFixture(t, "onnx-external-data-mlflow3")
	require.True(t, onnx.Signature.Inputs.TensorBased())
	assert.Equal(t, []TensorSpec{
		{Name: "input_ids", DType: "int64", Shape: []int64{-1, -1}},
		{Name: "attention_mask", DType: "int64", Shape: []int64{-1, -1}},
	}, onnx.Signature.Inputs.Tensors)
	assert.Equal(t, []string{"CPUExecutionProvider"}, onnx.Flavors.ONNX.Providers)

	tr := parseFixture(t, "transformers-mlflow2")
	assert.Equal(t, "text-classification", tr.Flavors.Other["transformers"]["task"])
	assert.Equal(t, map[string]any{"model_binary": "model"}, tr.Flavors.PythonFunction.Extra)
}

func TestParseFieldErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"model_size_bytes not a number", "flavors: {sklearn: {pickled_model: m.pkl}}\nmodel_size_bytes: big\n",
			`invalid MLmodel: field model_size_bytes: expected an integer, found "big" (line 2)`},
		{"save_exported_model not a bool", "flavors: {keras: {save_exported_model: maybe}}\n",
			`invalid MLmodel: field flavors.keras.save_exported_model: expected true or false, found "maybe" (line 1)`},
		{"meta_graph_tags of maps", "flavors: {tensorflow: {meta_graph_tags: [{a: b}]}}\n",
			"invalid MLmodel: field flavors.tensorflow.meta_graph_tags: expected a list of strings, found an item that is a mapping (line 1)"},
		{"env of a list", "flavors: {python_function: {env: [a]}}\n",
			"invalid MLmodel: field flavors.python_function.env: expected a file name or a mapping of conda and virtualenv, found a list (line 1)"},
		{"flavor not a mapping", "flavors: {sklearn: model.pkl}\n",
			`invalid MLmodel: field flavors.sklearn: expected a mapping, found the scalar "model.pkl" (line 1)`},
		{"duplicate flavor", "flavors:\n  sklearn: {}\n  sklearn: {}\n",
			"invalid MLmodel: field flavors.sklearn: duplicate key (line 3)"},
		{"tensor without spec", "flavors: {onnx: {}}\nsignature: {inputs: '[{\"type\": \"tensor\"}]'}\n",
			"invalid MLmodel: field signature.inputs[0].tensor-spec: a tensor needs a tensor-spec with a dtype"},
		{"mixed schema", "flavors: {onnx: {}}\nsignature: {inputs: '[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"int8\", \"shape\": [1]}}, {\"type\": \"long\"}]'}\n",
			"invalid MLmodel: field signature.inputs: mixes tensors and columns; a schema is one or the other"},
		{"windows absolute", "flavors: {xgboost: {data: 'C:\\models\\m.xgb'}}\n",
			`invalid MLmodel: field flavors.xgboost.data: path "C:\\models\\m.xgb" is absolute; flavor paths are relative to the model folder`},
		{"backslash traversal", "flavors: {pytorch: {model_data: '..\\..\\x'}}\n",
			`invalid MLmodel: field flavors.pytorch.model_data: path "..\\..\\x" climbs out of the model folder`},
		{"env file outside", "flavors: {python_function: {env: {conda: ../conda.yaml}}}\n",
			`invalid MLmodel: field flavors.python_function.env.conda: path "../conda.yaml" climbs out of the model folder`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidMLmodel), "wraps ErrInvalidMLmodel: %v", err)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestTFModelRules(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       TFModel
	}{
		{"tf1 default dir", "flavors: {tensorflow: {meta_graph_tags: [serve]}}", TFModel{"tensorflow", "tfmodel", FormatSavedModel}},
		{"tf2-module default dir", "flavors: {tensorflow: {model_type: tf2-module}}", TFModel{"tensorflow", "tf2model", FormatSavedModel}},
		{"tf saved_model_dir as written", "flavors: {tensorflow: {saved_model_dir: ./exported//sm/}}", TFModel{"tensorflow", "exported/sm", FormatSavedModel}},
		{"tf keras default format", "flavors: {tensorflow: {model_type: keras, data: data}}", TFModel{"tensorflow", "data/model", FormatSavedModel}},
		{"tf keras format keras", "flavors: {tensorflow: {model_type: keras, data: d, save_format: keras}}", TFModel{"tensorflow", "d/model.keras", FormatKeras}},
		{"keras exported", "flavors: {keras: {keras_version: 3.4.1, save_exported_model: true}}", TFModel{"keras", "data/model", FormatSavedModel}},
		{"keras 2 no format is h5", "flavors: {keras: {keras_version: 2.2.4, data: data}}", TFModel{"keras", "data/model.h5", FormatHDF5}},
		{"tensorflow wins over keras", "flavors: {keras: {data: data, save_format: h5}, tensorflow: {saved_model_dir: tfmodel}}", TFModel{"tensorflow", "tfmodel", FormatSavedModel}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.yaml))
			require.NoError(t, err)
			got, ok := m.TFModel()
			require.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	m, err := Parse([]byte("flavors: {sklearn: {}}"))
	require.NoError(t, err)
	_, ok := m.TFModel()
	assert.False(t, ok)
	f, _ := m.SklearnFile()
	assert.Equal(t, "model.pkl", f, "MLflow's default pickled model name")
}
