package step

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/openmodelops/fuseml-seldon/convert"
	"github.com/openmodelops/fuseml-seldon/internal/version"
	"github.com/openmodelops/fuseml-seldon/mlflow"
	"github.com/openmodelops/fuseml-seldon/step/seldon"
)

// Config holds the step's inputs, read from FuseML's environment variables or the flags
// of the same names.
type Config struct {
	// Model is FUSEML_MODEL: s3://bucket/path or file:///path of the MLflow model folder.
	Model string
	// Predictor is FUSEML_PREDICTOR: auto (default) or a predictor name.
	Predictor string
	// AppName is FUSEML_APP_NAME; see AppName for the rules when it is empty.
	AppName string
	// Workflow and Namespace are FUSEML_ENV_WORKFLOW_NAME and
	// FUSEML_ENV_WORKFLOW_NAMESPACE (DefaultNamespace when empty).
	Workflow  string
	Namespace string
	// Limits is FUSEML_RESOURCES_LIMITS, e.g. cpu=2,memory=4Gi.
	Limits string
	// Replicas of the serving container; when 0, 1 for a SeldonDeployment and none for a
	// v2 Model (Seldon's default, left to autoscalers and kubectl scale).
	Replicas int32
	// SeldonAPI is v1 (SeldonDeployment, the default) or v2 (Model).
	SeldonAPI string
	// Timeout bounds the readiness wait; 0 skips the wait.
	Timeout time.Duration
	// ResultsDir and TaskResult: the prediction URL is written to ResultsDir/TaskResult.
	ResultsDir string
	TaskResult string
	// DryRun plans everything and writes nothing.
	DryRun bool
	// Force takes over a service that another workflow created, and an application name
	// another workflow registered.
	Force bool
	// SeldonDomain makes the prediction host <app>.<domain> when there is no gateway.
	SeldonDomain string
	// WorkDir is where a FuseML codeset (.fuseml/_org, _project) is looked for.
	WorkDir string
	// S3 reaches the artifact store (MLFLOW_S3_ENDPOINT_URL, AWS_*).
	S3 mlflow.S3Config
	// Conversion tunes the copies; the zero value uses the defaults.
	Conversion convert.Options
}

// Application is the record the step registers: FuseML's application plus the model, the
// predictor and the status.
type Application struct {
	Name          string
	Type          string
	Description   string
	URL           string
	Workflow      string
	K8sNamespace  string
	K8sResources  []K8sResource
	Model         string
	Predictor     string
	Status        string
	StatusMessage string
}

// K8sResource names one Kubernetes object of an application.
type K8sResource struct{ Kind, Name string }

// Registrar registers applications; the registry client implements it in the binary.
type Registrar interface {
	RegisterApplication(ctx context.Context, app Application, force bool) error
}

// Deps are the step's connections to the world.
type Deps struct {
	Log *slog.Logger
	// Kube is the Kubernetes client; in a dry run it may be nil (no gateway lookup).
	Kube dynamic.Interface
	// Registry registers the application; unused in a dry run.
	Registry Registrar
	// OpenStore opens the model's artifact store; mlflow.OpenStore when nil.
	OpenStore func(mlflow.ModelURI, mlflow.S3Config) (mlflow.Store, string, error)
}

// Result is what a run did, or in a dry run what it would do. It is the document the dry
// run prints.
type Result struct {
	App           string           `json:"app"`
	Namespace     string           `json:"namespace"`
	Predictor     mlflow.Predictor `json:"predictor"`
	API           convert.API      `json:"seldon_api"`
	Server        convert.Server   `json:"server"`
	Protocol      convert.Protocol `json:"protocol"`
	ModelURI      string           `json:"model_uri"`
	Copies        []convert.Copy   `json:"copies"`
	Files         []convert.File   `json:"files"`
	PredictionURL string           `json:"prediction_url"`
	// Manifests are the Kubernetes objects, Secret values redacted.
	Manifests []map[string]any `json:"manifests"`
	// Conversion says what the copies did (not in a dry run).
	Conversion *convert.Result `json:"conversion,omitempty"`
}

// Run carries the step out: inputs, MLmodel, predictor, conversion plan and copies,
// Kubernetes objects, readiness, result file, registration. Every stage logs one info
// line. Errors are classed ErrInput, ErrModel, ErrKubernetes or ErrRegistry.
func Run(ctx context.Context, cfg Config, deps Deps) (*Result, error) {
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	open := deps.OpenStore
	if open == nil {
		open = mlflow.OpenStore
	}

	// Inputs.
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, &InputError{Input: "FUSEML_MODEL", Reason: "not set; expected the URL of an MLflow model folder, s3://bucket/path or file:///path"}
	}
	uri, err := mlflow.ParseModelURI(cfg.Model)
	if err != nil {
		return nil, &InputError{Input: "FUSEML_MODEL", Reason: err.Error()}
	}
	predictor, err := mlflow.ParsePredictor(cfg.Predictor)
	if err != nil {
		return nil, &InputError{Input: "FUSEML_PREDICTOR", Reason: err.Error()}
	}
	api, err := convert.ParseAPI(cfg.SeldonAPI)
	if err != nil {
		return nil, &InputError{Input: "--seldon-api", Reason: err.Error()}
	}
	limits, err := ParseLimits(cfg.Limits)
	if err != nil {
		return nil, err
	}
	if cfg.Replicas < 0 {
		return nil, &InputError{Input: "--replicas", Reason: fmt.Sprintf("%d: expected a positive number", cfg.Replicas)}
	}
	namespace := cfg.Namespace
	if namespace == "" {
		namespace = DefaultNamespace
	}
	var codeset *Codeset
	if c, ok := ReadCodeset(cfg.WorkDir); ok {
		codeset = &c
	}
	app, notes, err := AppName(cfg.AppName, cfg.Workflow, codeset)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		log.Warn(n)
	}
	log.Info("inputs", "model", uri.String(), "predictor", string(predictor), "app", app,
		"namespace", namespace, "seldon_api", string(api), "dry_run", cfg.DryRun)
	log.Debug("artifact store", "s3", cfg.S3)

	// The MLmodel.
	store, dir, err := open(uri, cfg.S3)
	if err != nil {
		return nil, storeInputError(uri, err)
	}
	model, err := mlflow.ReadMLmodel(ctx, store, dir)
	if err != nil {
		return nil, modelError(uri, cfg.S3, err)
	}
	if err := mlflow.Check(model, predictor); err != nil {
		return nil, classify(ErrModel, err)
	}
	chosen := predictor
	if predictor == mlflow.Auto {
		chosen, _ = mlflow.Detect(model)
	}
	log.Info("model", "flavors", strings.Join(model.Flavors.Names(), ","), "mlflow_version", model.MLflowVersion,
		"is", model.Describe(), "predictor", string(chosen), "detected", predictor == mlflow.Auto)

	// The conversion plan.
	objects, err := store.List(ctx, dir)
	if err != nil {
		return nil, modelError(uri, cfg.S3, err)
	}
	plan, err := convert.NewPlan(convert.Request{
		Model: model, Dir: dir, Objects: objects, Predictor: chosen, App: app, API: api, DirURI: uri.String(),
	})
	if err != nil {
		return nil, classify(ErrModel, fmt.Errorf("planning the layout of %s: %w", uri, err))
	}
	for _, n := range plan.Notes {
		log.Debug("plan", "note", n)
	}
	log.Info("plan", "server", string(plan.Server), "protocol", string(plan.Protocol), "model_uri", plan.ModelURI,
		"copies", len(plan.Copies), "bytes", plan.Bytes(), "files", len(plan.Files))

	// The Kubernetes objects and the URL.
	host, err := predictionHost(ctx, deps.Kube, namespace, app, cfg.SeldonDomain)
	if err != nil {
		return nil, classify(ErrKubernetes, err)
	}
	spec := seldon.Spec{
		API: api, App: app, Namespace: namespace, Workflow: cfg.Workflow,
		Server: plan.Server, Protocol: plan.Protocol, ModelURI: plan.ModelURI, Requirements: plan.Requirements,
		Replicas: cfg.Replicas, Limits: limits, S3: s3Access(cfg.S3),
	}
	if codeset != nil {
		spec.Org, spec.Project = codeset.Org, codeset.Project
	}
	if plan.Server == convert.SklearnServer {
		spec.Parameters = []seldon.Parameter{{Name: "method", Type: "STRING", Value: "predict"}}
	}
	if host != nil && host.Source != "in-cluster service" {
		spec.IstioGateway = namespace + "/" + seldon.GatewayName
		spec.IstioHost = host.Name
	}
	objs, err := seldon.Build(spec)
	if err != nil {
		return nil, classify(ErrKubernetes, err)
	}
	url := seldon.PredictionURL(api, plan.Protocol, host, namespace, app)
	res := &Result{
		App: app, Namespace: namespace, Predictor: chosen, API: api, Server: plan.Server, Protocol: plan.Protocol,
		ModelURI: plan.ModelURI, Copies: plan.Copies, Files: plan.Files, PredictionURL: url,
	}
	for _, o := range seldon.Redacted(objs.All()) {
		res.Manifests = append(res.Manifests, o.Object)
	}
	if res.Copies == nil {
		res.Copies = []convert.Copy{}
	}
	if res.Files == nil {
		res.Files = []convert.File{}
	}
	if cfg.DryRun {
		log.Info("dry run: nothing written", "prediction_url", url)
		return res, nil
	}

	// The copies.
	opts := cfg.Conversion
	if opts.Progress == nil {
		opts.Progress = convert.LogProgress(log, 5*time.Second)
	}
	if opts.ToolVersion == "" {
		opts.ToolVersion = version.Version
	}
	if opts.Listing == nil {
		opts.Listing = objects // saves Apply listing the folder again
	}
	cres, err := convert.Apply(ctx, store, plan, opts)
	if err != nil {
		return nil, classify(ErrModel, fmt.Errorf("converting %s for %s: %w", uri, plan.Server, err))
	}
	res.Conversion = &cres
	log.Info("conversion", "up_to_date", cres.UpToDate, "copied", cres.Copied, "skipped", cres.Skipped,
		"bytes", cres.CopiedBytes, "written", cres.Written, "deleted", cres.Deleted)

	// Kubernetes.
	if deps.Kube == nil {
		return nil, classify(ErrKubernetes, errors.New("no Kubernetes client"))
	}
	applied, err := (&seldon.Applier{Client: deps.Kube, Force: cfg.Force}).Apply(ctx, objs)
	if err != nil {
		return nil, classify(ErrKubernetes, err)
	}
	var resources []K8sResource
	for _, o := range applied.All() {
		resources = append(resources, K8sResource{Kind: o.GetKind(), Name: o.GetName()})
	}
	log.Info("kubernetes", "applied", describe(applied.All()), "namespace", namespace)

	record := Application{
		Name: app, Type: "predictor", URL: url, Workflow: cfg.Workflow, K8sNamespace: namespace,
		K8sResources: resources, Model: uri.String(), Predictor: string(chosen),
		Description: fmt.Sprintf("Application generated by workflow %s: %s served by Seldon Core %s (%s)", cfg.Workflow, model.Describe(), api, plan.Server),
	}

	// Readiness.
	waiter := &seldon.Waiter{Client: deps.Kube, Timeout: cfg.Timeout, OnState: func(s string) {
		log.Debug("seldon", "state", s)
	}}
	if err := waiter.Wait(ctx, applied.Service); err != nil {
		var failed *seldon.FailedError
		if errors.As(err, &failed) && deps.Registry != nil {
			record.Status, record.StatusMessage = "failed", failed.Reason
			if rerr := deps.Registry.RegisterApplication(ctx, record, cfg.Force); rerr != nil {
				log.Warn("recording the failed status in the registry", "error", rerr)
			}
		}
		return nil, classify(ErrKubernetes, err)
	}
	record.Status = "ready"
	if cfg.Timeout <= 0 {
		record.Status = "deploying"
	}
	log.Info("ready", "kind", applied.Service.GetKind(), "name", app, "waited", cfg.Timeout > 0)

	// The Tekton result.
	if err := writeResult(cfg.ResultsDir, cfg.TaskResult, url); err != nil {
		return nil, err
	}
	if api == convert.V2 {
		log.Info("result", "prediction_url", url, "header", "Seldon-Model: "+app)
	} else {
		log.Info("result", "prediction_url", url)
	}

	// Registration.
	if deps.Registry == nil {
		return nil, classify(ErrRegistry, errors.New("no registry client"))
	}
	if err := deps.Registry.RegisterApplication(ctx, record, cfg.Force); err != nil {
		return nil, classify(ErrRegistry, fmt.Errorf("registering application %s: %w", app, err))
	}
	log.Info("registered", "application", app, "status", record.Status)
	return res, nil
}

func predictionHost(ctx context.Context, kube dynamic.Interface, namespace, app, domain string) (*seldon.Host, error) {
	if kube != nil {
		h, ok, err := seldon.GatewayHost(ctx, kube, namespace, app)
		if err != nil {
			return nil, err
		}
		if ok {
			return &h, nil
		}
	}
	if domain != "" {
		h := seldon.DomainHost(domain, app)
		return &h, nil
	}
	return nil, nil
}

func s3Access(c mlflow.S3Config) seldon.S3Access {
	return seldon.S3Access{Endpoint: c.Endpoint, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Region: c.Region}
}

func describe(objs []*unstructured.Unstructured) string {
	parts := make([]string, len(objs))
	for i, o := range objs {
		parts[i] = o.GetKind() + "/" + o.GetName()
	}
	return strings.Join(parts, ",")
}

// storeInputError explains a store that cannot even be opened: its settings are wrong.
func storeInputError(uri mlflow.ModelURI, err error) error {
	input := "FUSEML_MODEL"
	if msg := err.Error(); strings.HasPrefix(msg, "MLFLOW_S3_") || strings.HasPrefix(msg, "AWS_") {
		input, _, _ = strings.Cut(msg, ":")
		input, _, _ = strings.Cut(input, " ")
		input, _, _ = strings.Cut(input, "=")
	}
	return &InputError{Input: input, Reason: fmt.Sprintf("opening the artifact store of %s: %v", uri, err)}
}

// modelError classes a failure to read the model: a store that cannot be reached is a
// bad endpoint (input), a missing MLmodel or a bad one is a model problem.
func modelError(uri mlflow.ModelURI, s3 mlflow.S3Config, err error) error {
	var netErr net.Error
	var opErr *net.OpError
	if uri.Scheme == mlflow.SchemeS3 && (errors.As(err, &opErr) || errors.As(err, &netErr)) {
		endpoint := s3.Endpoint
		if endpoint == "" {
			endpoint = "AWS S3"
		}
		return &InputError{Input: "MLFLOW_S3_ENDPOINT_URL", Reason: fmt.Sprintf("cannot reach the artifact store at %s: %v", endpoint, err)}
	}
	if errors.Is(err, mlflow.ErrNotFound) {
		return classify(ErrModel, fmt.Errorf("%s holds no MLflow model: %w (FUSEML_MODEL must name the folder holding the MLmodel file)", uri, err))
	}
	return classify(ErrModel, err)
}

// writeResult writes the prediction URL, without a trailing newline, to dir/name,
// through a temporary file so that Tekton never reads half a result.
func writeResult(dir, name, url string) error {
	if name == "" {
		name = "prediction-url"
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return &InputError{Input: "TASK_RESULT", Reason: fmt.Sprintf("%q: expected a result name, not a path", name)}
	}
	if dir == "" {
		dir = "/tekton/results"
	}
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return &InputError{Input: "--results-dir", Reason: fmt.Sprintf("writing the result: %v", err)}
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(url); err != nil {
		tmp.Close()
		return &InputError{Input: "--results-dir", Reason: fmt.Sprintf("writing the result: %v", err)}
	}
	if err := tmp.Close(); err != nil {
		return &InputError{Input: "--results-dir", Reason: fmt.Sprintf("writing the result: %v", err)}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return &InputError{Input: "--results-dir", Reason: fmt.Sprintf("writing the result: %v", err)}
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return &InputError{Input: "--results-dir", Reason: fmt.Sprintf("writing the result: %v", err)}
	}
	return nil
}
