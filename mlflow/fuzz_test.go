package mlflow

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse, seeded with every fixture. Parse must never
// panic; it either returns a model whose flavor paths all stay inside the model folder,
// or an error wrapping ErrInvalidMLmodel. Detect and Check must then not panic either.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "models", "*", MLmodelFile))
	broken, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.MLmodel"))
	for _, p := range append(seeds, broken...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidMLmodel) {
				t.Fatalf("error does not wrap ErrInvalidMLmodel: %v", err)
			}
			if m != nil {
				t.Fatalf("a model returned with an error")
			}
			return
		}
		if len(m.Flavors.Names()) == 0 {
			t.Fatalf("a model without flavors was accepted")
		}
		if err := m.checkPaths(); err != nil {
			t.Fatalf("accepted a model whose paths fail the check: %v", err)
		}
		for _, p := range []func() (string, bool){m.SavedModelDir, m.ONNXFile, m.SklearnFile, m.XGBoostFile} {
			if rel, ok := p(); ok {
				if err := checkRelPath("derived", rel); err != nil {
					t.Fatalf("derived path escapes: %v", err)
				}
			}
		}
		_, _ = Detect(m)
		for _, p := range append([]Predictor{Auto}, Predictors...) {
			_ = Check(m, p)
		}
		_ = m.Describe()
	})
}
