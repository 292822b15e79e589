package testserver

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// errKubeNotEstablished is returned while a CRD is not yet served.
var errKubeNotEstablished = errors.New("not established yet")

// kubeContext returns a context for one helper operation, bounded in time: generously,
// as a machine busy with builds can make the large CRDs take tens of seconds.
func kubeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Minute)
}

// kubeCRDResource is where CustomResourceDefinitions live.
var kubeCRDResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// InstallCRDs applies the CustomResourceDefinitions in the YAML files (one or more
// documents each) with server-side apply, which takes CRDs too large for a client-side
// apply's annotation, and waits until each is established and its versions are served.
// CRDs are cluster-wide and stay for the life of the server; applying the document
// that is already there is skipped, and applying another one of the same name replaces it.
func (k *Kube) InstallCRDs(tb testing.TB, files ...string) {
	tb.Helper()
	ctx, cancel := kubeContext()
	defer cancel()
	began := time.Now()
	var crds []*unstructured.Unstructured
	for _, file := range files {
		docs, err := kubeReadYAMLDocuments(file)
		if err != nil {
			tb.Fatal(err)
		}
		for _, doc := range docs {
			crd := &unstructured.Unstructured{}
			if err := json.Unmarshal(doc, &crd.Object); err != nil {
				tb.Fatalf("%s: %v", file, err)
			}
			if crd.GetAPIVersion() != "apiextensions.k8s.io/v1" || crd.GetKind() != "CustomResourceDefinition" {
				tb.Fatalf("%s: a %s %s is not an apiextensions.k8s.io/v1 CustomResourceDefinition", file, crd.GetAPIVersion(), crd.GetKind())
			}
			if err := k.applyOnce(ctx, doc, crd.GetName()); err != nil {
				tb.Fatalf("%s: %v", file, err)
			}
			crds = append(crds, crd)
		}
	}
	applied := time.Now()
	for _, crd := range crds {
		if err := k.waitServed(ctx, crd); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("CRDs installed: applied in %s, served in %s more", applied.Sub(began).Round(time.Millisecond), time.Since(applied).Round(time.Millisecond))
}

// applyOnce server-side applies a CRD document unless this server already has it.
func (k *Kube) applyOnce(ctx context.Context, doc []byte, name string) error {
	sum := sha256.Sum256(doc)
	k.mu.Lock()
	done := k.installed[name] == sum
	k.mu.Unlock()
	if done {
		return nil
	}
	force := true
	_, err := k.dynamic.Resource(kubeCRDResource).Patch(ctx, name, types.ApplyPatchType, doc,
		metav1.PatchOptions{FieldManager: kubeFieldManager, Force: &force})
	if err != nil {
		return fmt.Errorf("applying the CRD %s: %w", name, err)
	}
	k.mu.Lock()
	k.installed[name] = sum
	k.mu.Unlock()
	return nil
}

// waitServed waits until the CRD is Established and discovery lists its resource in
// every served version, so that clients can use it at once.
func (k *Kube) waitServed(ctx context.Context, want *unstructured.Unstructured) error {
	name := want.GetName()
	group, _, _ := unstructured.NestedString(want.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(want.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(want.Object, "spec", "versions")
	var last error
	err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		// Discovery first: it is light, and lists a CRD's resource only once the CRD
		// is established; then one read of the CRD, which may be large, to be sure.
		for _, v := range versions {
			v, _ := v.(map[string]any)
			if served, _ := v["served"].(bool); !served {
				continue
			}
			gv := group + "/" + fmt.Sprint(v["name"])
			list, err := k.clientset.Discovery().ServerResourcesForGroupVersion(gv)
			if err != nil {
				last = fmt.Errorf("discovery of %s: %w", gv, err)
				return false, nil
			}
			if !slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == plural }) {
				last = fmt.Errorf("%s not yet in the discovery of %s", plural, gv)
				return false, nil
			}
		}
		crd, err := k.dynamic.Resource(kubeCRDResource).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			last = err
			return false, nil
		}
		if !kubeConditionTrue(crd, "Established") {
			last = errKubeNotEstablished
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for the CRD %s to be served: %w (last: %v)", name, err, last)
	}
	return nil
}

// kubeConditionTrue says whether obj's status has the condition with status True.
func kubeConditionTrue(obj *unstructured.Unstructured, condition string) bool {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		c, _ := c.(map[string]any)
		if c["type"] == condition {
			return c["status"] == "True"
		}
	}
	return false
}

// kubeReadYAMLDocuments reads the non-empty documents of a YAML file, as JSON.
func kubeReadYAMLDocuments(file string) ([][]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 64*1024)
	var docs [][]byte
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
			return docs, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		if len(obj) == 0 {
			continue
		}
		doc, err := json.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		docs = append(docs, doc)
	}
}

// SeldonCRDFiles returns the SeldonDeployment (machinelearning.seldon.io/v1) and Model
// (mlops.seldon.io/v1alpha1) CRD files: the real ones from ../shared/crds, relative to
// the repository root, or where that folder is absent the project's small ones from
// e2e/testdata/crds. It logs which set it returns.
func SeldonCRDFiles(tb testing.TB) []string {
	tb.Helper()
	root := kubeMustRepoRoot(tb)
	names := kubeSeldonCRDNames
	shared := filepath.Join(filepath.Dir(root), "shared", "crds")
	if files := kubeFilesIn(shared, names); files != nil {
		tb.Logf("Seldon CRDs: the real ones, from %s", shared)
		return files
	}
	files := kubeSmallSeldonCRDFiles(root)
	if files == nil {
		tb.Fatalf("Seldon CRDs: neither %s nor %s holds %v", shared, filepath.Join(root, kubeOwnCRDs), names)
	}
	tb.Logf("Seldon CRDs: %s is absent; using the project's small CRDs from %s", shared, filepath.Join(root, kubeOwnCRDs))
	return files
}

// kubeOwnCRDs is the folder of the project's small CRDs, in the repository.
const kubeOwnCRDs = "e2e/testdata/crds"

// kubeSeldonCRDNames are the file names of the Seldon CRDs, real and small.
var kubeSeldonCRDNames = []string{"seldondeployments.machinelearning.seldon.io.yaml", "models.mlops.seldon.io.yaml"}

// kubeSmallSeldonCRDFiles returns the project's small Seldon CRDs, or nil.
func kubeSmallSeldonCRDFiles(root string) []string {
	return kubeFilesIn(filepath.Join(root, kubeOwnCRDs), kubeSeldonCRDNames)
}

// IstioCRDFiles returns the project's small CRD of the Istio Gateway
// (networking.istio.io/v1beta1, also served as v1alpha3 and v1), from e2e/testdata/crds:
// the step reads the gateway seldon-gateway to build prediction URLs.
func IstioCRDFiles(tb testing.TB) []string {
	tb.Helper()
	dir := filepath.Join(kubeMustRepoRoot(tb), kubeOwnCRDs)
	files := kubeFilesIn(dir, []string{"gateways.networking.istio.io.yaml"})
	if files == nil {
		tb.Fatalf("no Istio Gateway CRD in %s", dir)
	}
	return files
}

// kubeFilesIn returns the named files in dir, or nil if any is missing.
func kubeFilesIn(dir string, names []string) []string {
	var files []string
	for _, n := range names {
		f := filepath.Join(dir, n)
		if _, err := os.Stat(f); err != nil {
			return nil
		}
		files = append(files, f)
	}
	return files
}

// TektonModule is the Tekton Pipelines release whose CRDs TektonCRDFiles returns.
const TektonModule = "github.com/tektoncd/pipeline@v1.7.0"

var kubeTekton struct {
	once  sync.Once
	files []string
	skip  string
}

// TektonCRDFiles returns the CRD files of Tekton Pipelines (TektonModule), from
// its config/300-crds in the Go module cache, downloading the module there first if
// needed. It skips the test, saying why, when the module cannot be had.
func TektonCRDFiles(tb testing.TB) []string {
	tb.Helper()
	kubeTekton.once.Do(func() {
		kubeTekton.files, kubeTekton.skip = kubeFindTektonCRDs()
	})
	if kubeTekton.skip != "" {
		tb.Skip(kubeTekton.skip)
	}
	return slices.Clone(kubeTekton.files)
}

// kubeFindTektonCRDs finds the Tekton CRDs, or says why they cannot be had.
func kubeFindTektonCRDs() (files []string, skip string) {
	// Run outside any module, so that no go.mod or go.sum is touched.
	dir, err := os.MkdirTemp("", "fuseml-tekton-")
	if err != nil {
		return nil, fmt.Sprintf("skipping: Tekton CRDs: %v", err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", TektonModule)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	out, err := cmd.Output()
	var mod struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &mod); jerr != nil && err == nil {
		err = jerr
	}
	if err != nil || mod.Error != "" || mod.Dir == "" {
		return nil, fmt.Sprintf("skipping: cannot download %s for its CRDs: %v %s", TektonModule, err, mod.Error)
	}
	crds := filepath.Join(mod.Dir, "config", "300-crds")
	files, err = filepath.Glob(filepath.Join(crds, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Sprintf("skipping: no Tekton CRDs in %s", crds)
	}
	slices.Sort(files)
	return files, ""
}
