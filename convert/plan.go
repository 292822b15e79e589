package convert

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/openmodelops/fuseml-seldon/mlflow"
)

// API is the Seldon Core API a plan is for.
type API string

// The Seldon Core APIs: v1 creates a SeldonDeployment naming a prepackaged server; v2 a
// Model whose requirements pick a server (MLServer or Triton).
const (
	V1 API = "v1"
	V2 API = "v2"
)

// ParseAPI accepts v1 and v2 (also 1 and 2, any case); "" is V1.
func ParseAPI(s string) (API, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "v1", "1":
		return V1, nil
	case "v2", "2":
		return V2, nil
	}
	return "", fmt.Errorf("%w: Seldon API %q: expected v1 or v2", ErrInvalidRequest, s)
}

// Server names the Seldon server that loads the converted model: a prepackaged server
// (implementation) of Seldon Core v1, or a Server of Seldon Core v2.
type Server string

// The servers.
const (
	SklearnServer    Server = "SKLEARN_SERVER"
	TensorFlowServer Server = "TENSORFLOW_SERVER"
	TritonServer     Server = "TRITON_SERVER"
	XGBoostServer    Server = "XGBOOST_SERVER"
	MLflowServer     Server = "MLFLOW_SERVER"
	// MLServer and Triton are Seldon Core v2's servers.
	MLServer Server = "mlserver"
	Triton   Server = "triton"
)

// Protocol is the inference protocol the server speaks; it decides the prediction URL.
type Protocol string

// The protocols.
const (
	ProtocolSeldon     Protocol = "seldon"
	ProtocolTensorFlow Protocol = "tensorflow"
	ProtocolV2         Protocol = "v2"
)

// ConvertedDir is the subfolder of the model folder holding the converted copies, one
// folder per predictor: <model>/seldon/<predictor>/. Plans never read from it.
const ConvertedDir = "seldon"

// ManifestName is the manifest Apply writes last into the converted root.
const ManifestName = ".conversion.json"

// Request is what NewPlan plans from.
type Request struct {
	// Model is the parsed MLmodel of the model folder.
	Model *mlflow.MLmodel
	// Dir is the model folder's key in the store ("" for the store's root).
	Dir string
	// Objects is the listing of Dir (Store.List(ctx, Dir)), with full keys. Objects outside
	// Dir and those under Dir/seldon/ are ignored.
	Objects []mlflow.ObjectInfo
	// Predictor is the predictor to plan for; mlflow.Auto (or "") lets mlflow.Detect choose.
	Predictor mlflow.Predictor
	// App is the application name: it names the Triton model and the v2 model settings.
	App string
	// API is V1 or V2 ("" is V1).
	API API
	// DirURI is the URI of Dir that the server will download from, such as
	// s3://bucket/path/model; the plan's ModelURI is built on it.
	DirURI string
}

// Plan says how to lay a model out for one Seldon server. All keys are full keys of the
// store. It is built by NewPlan and carried out by Apply.
type Plan struct {
	Predictor mlflow.Predictor `json:"predictor"`
	API       API              `json:"api"`
	Server    Server           `json:"server"`
	Protocol  Protocol         `json:"protocol"`
	// Root is the folder holding the converted layout and its manifest; "" when the server
	// loads the model folder as it is (no conversion).
	Root string `json:"root"`
	// ModelURI is what the server loads: the SeldonDeployment's modelUri (v1) or the
	// Model's storageUri (v2).
	ModelURI string `json:"model_uri"`
	// Copies are the server-side copies, sorted by target.
	Copies []Copy `json:"copies"`
	// Files are the small generated files, sorted by target.
	Files []File `json:"files"`
	// Requirements are the v2 Model's requirements, naming the runtime; none for v1.
	Requirements []string `json:"requirements,omitempty"`
	// Notes say what the plan chose where the model left a choice, for the step's log.
	Notes []string `json:"notes,omitempty"`
}

// Copy copies one object of the model folder into the converted root.
type Copy struct {
	Source string `json:"source"`
	Target string `json:"target"`
	Size   int64  `json:"size"`
	// ETag is the source's ETag as listed; the copy requires it still to hold.
	ETag string `json:"etag,omitempty"`
}

// File is a small generated file.
type File struct {
	Target  string `json:"target"`
	Content string `json:"content"`
}

// JSON returns the plan as indented JSON, with a final newline.
func (p *Plan) JSON() ([]byte, error) {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the plan: %w", err)
	}
	return append(data, '\n'), nil
}

// Bytes is the total size of the plan's copies.
func (p *Plan) Bytes() int64 {
	var n int64
	for _, c := range p.Copies {
		n += c.Size
	}
	return n
}

// Targets lists every key the plan writes, copies and files, sorted.
func (p *Plan) Targets() []string {
	out := make([]string, 0, len(p.Copies)+len(p.Files))
	for _, c := range p.Copies {
		out = append(out, c.Target)
	}
	for _, f := range p.Files {
		out = append(out, f.Target)
	}
	sort.Strings(out)
	return out
}

// ManifestKey is the key of the plan's manifest; "" when the plan has no root.
func (p *Plan) ManifestKey() string {
	if p.Root == "" {
		return ""
	}
	return mlflow.JoinKey(p.Root, ManifestName)
}

// NewPlan plans the layout of the model for the request's predictor and API. It does no
// I/O. A file the MLmodel names that the listing lacks wraps ErrMissingFile and names the
// file; a predictor that cannot serve the model returns mlflow.Check's error.
func NewPlan(r Request) (*Plan, error) {
	if r.Model == nil {
		return nil, fmt.Errorf("%w: no MLmodel", ErrInvalidRequest)
	}
	api, err := ParseAPI(string(r.API))
	if err != nil {
		return nil, err
	}
	if err := checkApp(r.App); err != nil {
		return nil, err
	}
	if r.DirURI == "" {
		return nil, fmt.Errorf("%w: no URI for the model folder", ErrInvalidRequest)
	}
	pred := r.Predictor
	if pred == "" || pred == mlflow.Auto {
		if pred, err = mlflow.Detect(r.Model); err != nil {
			return nil, err
		}
	} else if err := mlflow.Check(r.Model, pred); err != nil {
		return nil, err
	}
	b := &builder{
		m:      r.Model,
		dir:    strings.Trim(r.Dir, "/"),
		dirURI: strings.TrimRight(r.DirURI, "/"),
		app:    r.App,
		files:  modelFiles(r.Dir, r.Objects),
		plan:   &Plan{Predictor: pred, API: api, Copies: []Copy{}, Files: []File{}},
	}
	switch pred {
	case mlflow.Sklearn:
		err = b.sklearn()
	case mlflow.TensorFlow:
		err = b.tensorflow()
	case mlflow.Triton:
		err = b.triton()
	case mlflow.XGBoost:
		err = b.xgboost()
	case mlflow.MLflow:
		err = b.mlflow()
	default:
		err = fmt.Errorf("%w: predictor %q", ErrUnsupported, pred)
	}
	if err != nil {
		return nil, fmt.Errorf("planning the %s layout (Seldon %s) of %s: %w", pred, api, r.DirURI, err)
	}
	sort.Slice(b.plan.Copies, func(i, j int) bool { return b.plan.Copies[i].Target < b.plan.Copies[j].Target })
	sort.Slice(b.plan.Files, func(i, j int) bool { return b.plan.Files[i].Target < b.plan.Files[j].Target })
	return b.plan, nil
}

// checkApp refuses application names that cannot name a Triton model folder or a v2
// model: the step normalises names to Kubernetes names before planning.
func checkApp(app string) error {
	switch {
	case app == "":
		return fmt.Errorf("%w: no application name", ErrInvalidRequest)
	case app == "." || app == ".." || strings.ContainsAny(app, "/\\\x00"):
		return fmt.Errorf("%w: application name %q cannot name a folder", ErrInvalidRequest, app)
	}
	return nil
}

// modelFiles indexes the listing by key relative to the model folder, leaving out objects
// outside it and the converted copies under seldon/.
func modelFiles(dir string, objs []mlflow.ObjectInfo) map[string]mlflow.ObjectInfo {
	dir = strings.Trim(dir, "/")
	out := make(map[string]mlflow.ObjectInfo, len(objs))
	for _, o := range objs {
		rel := o.Key
		if dir != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(o.Key, dir+"/"); !ok {
				continue
			}
		}
		if rel == "" || rel == ConvertedDir || strings.HasPrefix(rel, ConvertedDir+"/") {
			continue
		}
		out[rel] = o
	}
	return out
}

// builder holds what the per-server plan builders share.
type builder struct {
	m      *mlflow.MLmodel
	dir    string
	dirURI string
	app    string
	files  map[string]mlflow.ObjectInfo
	plan   *Plan
}

// setRoot places the converted root at <dir>/seldon/<predictor> and points ModelURI at the
// folder sub below it.
func (b *builder) setRoot(sub string) {
	rel := path.Join(ConvertedDir, string(b.plan.Predictor))
	b.plan.Root = mlflow.JoinKey(b.dir, rel)
	b.plan.ModelURI = b.dirURI + "/" + mlflow.JoinKey(rel, sub)
	b.plan.ModelURI = strings.TrimRight(b.plan.ModelURI, "/")
}

// file returns the listed object at rel (relative to the model folder), or an error
// wrapping ErrMissingFile that names it and what it is.
func (b *builder) file(rel, what string) (mlflow.ObjectInfo, error) {
	o, ok := b.files[rel]
	if !ok {
		return o, fmt.Errorf("%w: %s %s is not in the model folder %s", ErrMissingFile, what, rel, b.dirURI)
	}
	return o, nil
}

// copy adds a copy of o to the target rel below the root.
func (b *builder) copy(o mlflow.ObjectInfo, rel string) {
	b.plan.Copies = append(b.plan.Copies, Copy{Source: o.Key, Target: mlflow.JoinKey(b.plan.Root, rel), Size: o.Size, ETag: o.ETag})
}

// write adds a generated file at rel below the root.
func (b *builder) write(rel, content string) {
	b.plan.Files = append(b.plan.Files, File{Target: mlflow.JoinKey(b.plan.Root, rel), Content: content})
}

func (b *builder) note(format string, args ...any) {
	b.plan.Notes = append(b.plan.Notes, fmt.Sprintf(format, args...))
}

// tree returns the listed objects below the folder rel, with their paths relative to it,
// sorted.
func (b *builder) tree(rel string) []relObject {
	var out []relObject
	for k, o := range b.files {
		if sub, ok := strings.CutPrefix(k, rel+"/"); ok {
			out = append(out, relObject{rel: sub, obj: o})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].rel < out[j].rel })
	return out
}

type relObject struct {
	rel string
	obj mlflow.ObjectInfo
}
