package convert

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openmodelops/fuseml-seldon/mlflow"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// modelDir is where the fixtures' model folders lie in the (imaginary) store.
const fixtureBucket = "mlflow"

func fixtureDir(name string) string { return "1/" + name + "/artifacts/model" }

// fixture is one MLmodel with the listing of its folder.
type fixture struct {
	name    string
	dir     string // the model folder's key
	model   *mlflow.MLmodel
	objects []mlflow.ObjectInfo
}

// readFixtures loads convert/testdata/models/<case>/{MLmodel,listing.txt}.
func readFixtures(t *testing.T) []fixture {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", "models", "*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures under testdata/models: %v", err)
	}
	var out []fixture
	for _, d := range dirs {
		name := filepath.Base(d)
		m := parseFile(t, filepath.Join(d, "MLmodel"))
		objs := readListing(t, fixtureDir(name), filepath.Join(d, "listing.txt"))
		out = append(out, fixture{name: name, dir: fixtureDir(name), model: m, objects: objs})
	}
	return out
}

// mlflowFixtures loads the model folders of the mlflow package's fixtures
// (../mlflow/testdata/models/<name>/), listed through a FileStore: real layouts, with
// placeholder bytes.
func mlflowFixtures(t *testing.T) []fixture {
	t.Helper()
	root := filepath.Join("..", "mlflow", "testdata", "models")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Logf("no mlflow fixtures: %v", err)
		return nil
	}
	s, err := mlflow.NewFileStore(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []fixture
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		m, err := mlflow.ReadMLmodel(context.Background(), s, d.Name())
		if err != nil {
			t.Fatalf("fixture %s: %v", d.Name(), err)
		}
		objs, err := s.List(context.Background(), d.Name())
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fixture{name: d.Name(), dir: d.Name(), model: m, objects: objs})
	}
	return out
}

func object(dir, rel string, size int64) mlflow.ObjectInfo {
	key := dir + "/" + rel
	return mlflow.ObjectInfo{Key: key, Size: size, ETag: fmt.Sprintf("%x", md5.Sum([]byte(key)))}
}

func parseFile(t *testing.T, p string) *mlflow.MLmodel {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mlflow.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return m
}

// readListing reads lines "<size> <path relative to the model folder>".
func readListing(t *testing.T, dir, p string) []mlflow.ObjectInfo {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []mlflow.ObjectInfo
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		sizeText, rel, ok := strings.Cut(line, " ")
		size, err := strconv.ParseInt(sizeText, 10, 64)
		if !ok || err != nil {
			t.Fatalf("%s: bad line %q", p, line)
		}
		out = append(out, object(dir, rel, size))
	}
	return out
}

// TestPlanGolden plans every fixture for every predictor that serves it, in both Seldon
// APIs, and compares the JSON plan (or the planning error) with its golden file.
func TestPlanGolden(t *testing.T) {
	groups := []struct {
		golden   string
		fixtures []fixture
	}{
		{filepath.Join("testdata", "golden"), readFixtures(t)},
		{filepath.Join("testdata", "golden", "mlflow-fixtures"), mlflowFixtures(t)},
	}
	for _, g := range groups {
		for _, fx := range g.fixtures {
			preds := mlflow.Servable(fx.model)
			if len(preds) == 0 {
				preds = []mlflow.Predictor{mlflow.Auto}
			}
			for _, pred := range preds {
				for _, api := range []API{V1, V2} {
					name := fmt.Sprintf("%s/%s-%s", fx.name, pred, api)
					t.Run(name, func(t *testing.T) {
						dir := fx.dir
						p, err := NewPlan(Request{
							Model: fx.model, Dir: dir, Objects: fx.objects, Predictor: pred,
							App: "iris-app", API: api, DirURI: "s3://" + fixtureBucket + "/" + dir,
						})
						var got []byte
						file := filepath.Join(g.golden, fx.name, fmt.Sprintf("%s-%s", pred, api))
						if err != nil {
							got = []byte(err.Error() + "\n")
							file += ".err"
						} else {
							if got, err = p.JSON(); err != nil {
								t.Fatal(err)
							}
							file += ".json"
						}
						checkGolden(t, file, got)
					})
				}
			}
		}
	}
}

// checkGolden compares got with the golden file, or rewrites it under -update.
func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no golden file (run go test ./convert -run TestPlanGolden -update): %v", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("plan differs from %s (run with -update if the change is intended):\n%s", file, lineDiff(string(want), string(got)))
	}
}

// lineDiff shows the lines of want and got that differ, in order.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

func TestPlanErrors(t *testing.T) {
	fxs := map[string]fixture{}
	for _, fx := range readFixtures(t) {
		fxs[fx.name] = fx
	}
	req := func(name string, pred mlflow.Predictor) Request {
		fx := fxs[name]
		return Request{Model: fx.model, Dir: fixtureDir(name), Objects: fx.objects, Predictor: pred,
			App: "app", API: V1, DirURI: "s3://b/" + fixtureDir(name)}
	}
	tests := []struct {
		name   string
		req    Request
		is     error
		asType any
		says   string
	}{
		{name: "missing pickle names the file", req: req("sklearn-missing-pickle", mlflow.Sklearn), is: ErrMissingFile, says: "model.pkl"},
		{name: "converted copies are not sources", req: req("sklearn-missing-pickle", mlflow.Sklearn), is: ErrMissingFile, says: "is not in the model folder"},
		{name: "h5 for tensorflow", req: req("keras-h5", mlflow.TensorFlow), asType: &mlflow.MismatchError{}, says: "HDF5"},
		{name: "no app", req: func() Request { r := req("onnx", mlflow.Triton); r.App = ""; return r }(), is: ErrInvalidRequest},
		{name: "app with slash", req: func() Request { r := req("onnx", mlflow.Triton); r.App = "a/b"; return r }(), is: ErrInvalidRequest},
		{name: "bad api", req: func() Request { r := req("onnx", mlflow.Triton); r.API = "v3"; return r }(), is: ErrInvalidRequest, says: "v3"},
		{name: "no MLmodel", req: Request{App: "a", DirURI: "s3://b/m"}, is: ErrInvalidRequest},
		{name: "empty SavedModel", req: func() Request {
			r := req("tensorflow-mlflow1", mlflow.TensorFlow)
			r.Objects = r.Objects[:2]
			return r
		}(), is: ErrMissingFile, says: "tfmodel/"},
		{name: "SavedModel without saved_model.pb", req: func() Request {
			r := req("tensorflow-mlflow1", mlflow.TensorFlow)
			var objs []mlflow.ObjectInfo
			for _, o := range r.Objects {
				if !strings.HasSuffix(o.Key, "saved_model.pb") {
					objs = append(objs, o)
				}
			}
			r.Objects = objs
			return r
		}(), is: ErrMissingFile, says: "saved_model.pb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(tt.req)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if tt.asType != nil {
				var me *mlflow.MismatchError
				if !errors.As(err, &me) {
					t.Errorf("error %q is not a %T", err, tt.asType)
				}
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

func TestParseAPI(t *testing.T) {
	for in, want := range map[string]API{"": V1, "v1": V1, "V2": V2, "2": V2, " v2 ": V2} {
		got, err := ParseAPI(in)
		if err != nil || got != want {
			t.Errorf("ParseAPI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseAPI("v3"); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("ParseAPI(v3) = %v", err)
	}
}

func TestTritonType(t *testing.T) {
	tests := map[string]string{"float32": "TYPE_FP32", "int64": "TYPE_INT64", "bool": "TYPE_BOOL",
		"str": "TYPE_STRING", "object": "TYPE_STRING", "<U12": "TYPE_STRING", "|S8": "TYPE_STRING",
		"float16": "TYPE_FP16", "uint8": "TYPE_UINT8", "float64": "TYPE_FP64"}
	for in, want := range tests {
		if got, ok := tritonType(in); !ok || got != want {
			t.Errorf("tritonType(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got, ok := tritonType("complex64"); ok {
		t.Errorf("tritonType(complex64) = %q; want none", got)
	}
}
