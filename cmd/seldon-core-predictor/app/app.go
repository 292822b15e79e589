// Package app is the command line of the seldon-core-predictor step: its flags (each also
// read from FuseML's environment variable), the Kubernetes and registry clients, and the
// mapping of errors to exit codes.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"gopkg.in/yaml.v3"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/openmodelops/fuseml-seldon/internal/version"
	"github.com/openmodelops/fuseml-seldon/mlflow"
	"github.com/openmodelops/fuseml-seldon/step"
)

// Exit codes.
const (
	ExitOK         = 0
	ExitFailure    = 1
	ExitInput      = 2
	ExitModel      = 3
	ExitKubernetes = 4
	ExitRegistry   = 5
)

// DefaultRegistryURL is FuseML's in-cluster address of its core service.
const DefaultRegistryURL = "http://fuseml-core.fuseml-core.svc.cluster.local:80"

// usageError marks a command-line mistake (exit 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// ExitCode maps an error of Run to the step's exit code.
func ExitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue), errors.Is(err, step.ErrInput):
		return ExitInput
	case errors.Is(err, step.ErrModel):
		return ExitModel
	case errors.Is(err, step.ErrKubernetes):
		return ExitKubernetes
	case errors.Is(err, step.ErrRegistry):
		return ExitRegistry
	}
	return ExitFailure
}

// Run runs the command line with args (args[0] is the program name).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a := newApp(stdout, stderr)
	err := a.RunContext(ctx, args)
	if err != nil {
		fmt.Fprintf(stderr, "error: %v\n", err)
	}
	return err
}

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "model", EnvVars: []string{"FUSEML_MODEL"}, Usage: "URL of the MLflow model folder: s3://bucket/path, or file:///path for MLflow's local store (required)"},
		&cli.StringFlag{Name: "predictor", EnvVars: []string{"FUSEML_PREDICTOR"}, Value: "auto", Usage: "auto, sklearn, tensorflow, triton, xgboost or mlflow"},
		&cli.StringFlag{Name: "app-name", EnvVars: []string{"FUSEML_APP_NAME"}, Usage: "application name; also names the Kubernetes objects and the URL (default: <org>-<project>-<workflow> in a codeset, else <workflow>-<random>)"},
		&cli.BoolFlag{Name: "verbose", EnvVars: []string{"FUSEML_VERBOSE"}, Usage: "debug logging (secrets are never logged)"},
		&cli.StringFlag{Name: "workflow-name", EnvVars: []string{"FUSEML_ENV_WORKFLOW_NAME"}, Usage: "the workflow running the step (set by the workflow engine)"},
		&cli.StringFlag{Name: "workflow-namespace", EnvVars: []string{"FUSEML_ENV_WORKFLOW_NAMESPACE"}, Value: step.DefaultNamespace, Usage: "namespace of the prediction service (set by the workflow engine)"},
		&cli.StringFlag{Name: "resources-limits", EnvVars: []string{"FUSEML_RESOURCES_LIMITS"}, Usage: "resource limits of the serving container, e.g. cpu=2,memory=4Gi"},
		&cli.StringFlag{Name: "s3-endpoint-url", EnvVars: []string{"MLFLOW_S3_ENDPOINT_URL"}, Usage: "S3-compatible endpoint (MinIO); unset means AWS S3"},
		&cli.StringFlag{Name: "aws-access-key-id", EnvVars: []string{"AWS_ACCESS_KEY_ID"}, Usage: "S3 access key (the secret key is read only from AWS_SECRET_ACCESS_KEY, never from a flag)"},
		&cli.StringFlag{Name: "aws-default-region", EnvVars: []string{"AWS_DEFAULT_REGION"}, Usage: "S3 region"},
		&cli.StringFlag{Name: "s3-ignore-tls", EnvVars: []string{"MLFLOW_S3_IGNORE_TLS"}, Usage: "true to skip TLS verification of the S3 endpoint"},
		&cli.StringFlag{Name: "task-result", EnvVars: []string{"TASK_RESULT"}, Value: "prediction-url", Usage: "name of the Tekton result the prediction URL is written to"},
		&cli.StringFlag{Name: "results-dir", Value: "/tekton/results", Usage: "folder of the Tekton results"},
		&cli.BoolFlag{Name: "dry-run", Usage: "plan everything and print it; write nothing anywhere"},
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "json", Usage: "format of the dry run's document: json or yaml"},
		&cli.StringFlag{Name: "seldon-api", Value: "v1", Usage: "v1 (SeldonDeployment) or v2 (Model)"},
		&cli.DurationFlag{Name: "timeout", Value: 10 * time.Minute, Usage: "how long to wait until Seldon reports the service ready; 0 skips the wait"},
		&cli.StringFlag{Name: "kubeconfig", EnvVars: []string{"KUBECONFIG"}, Usage: "kubeconfig file (default: in-cluster config in a pod, else kubectl's rules)"},
		&cli.StringFlag{Name: "registry-url", EnvVars: []string{"FUSEML_SERVER_URL"}, Value: DefaultRegistryURL, Usage: "URL of the registry the application is registered in"},
		&cli.StringFlag{Name: "registry-token", EnvVars: []string{"FUSEML_TOKEN"}, Usage: "bearer token for the registry"},
		&cli.DurationFlag{Name: "registry-wait", Value: step.DefaultRegistryWait, Usage: "how long registering the application is retried, with backoff, while the registry is unreachable or answers 5xx"},
		&cli.IntFlag{Name: "replicas", Usage: "replicas of the serving container (default: 1 for a SeldonDeployment; for a v2 Model, none, which leaves them to Seldon and to whoever scales it)"},
		&cli.BoolFlag{Name: "force", Usage: "take over a service or application name that another workflow created"},
		&cli.StringFlag{Name: "seldon-domain", Usage: "domain for prediction hosts (<app>.<domain>) when there is no seldon-gateway"},
		&cli.IntFlag{Name: "copy-workers", Usage: "parallel copies during the conversion (default: sized for the store)"},
	}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	return &cli.App{
		Name:  "seldon-core-predictor",
		Usage: "serve an MLflow model with Seldon Core and register it as a FuseML application",
		Description: "Reads the MLflow model's MLmodel, detects its flavor, converts its files into the layout of the Seldon server " +
			"(server-side copies into <model>/seldon/<predictor>/), creates the SeldonDeployment (or v2 Model), waits until it is " +
			"ready, writes the prediction URL as the Tekton result and registers the application. Every flag can be given " +
			"through the environment variable in brackets, as FuseML workflows do.",
		Version:         version.Version,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		Flags:  flags(),
		Action: func(c *cli.Context) error { return runStep(c.Context, c, stdout, stderr) },
		Commands: []*cli.Command{
			{
				Name:   "run",
				Usage:  "run the step (the default, and the image's command)",
				Flags:  flags(),
				Action: func(c *cli.Context) error { return runStep(c.Context, c, stdout, stderr) },
				OnUsageError: func(_ *cli.Context, err error, _ bool) error {
					return usageError{err}
				},
			},
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(c *cli.Context) error {
					_, err := fmt.Fprintln(stdout, version.Version)
					return err
				},
			},
		},
	}
}

func runStep(ctx context.Context, c *cli.Context, stdout, stderr io.Writer) error {
	if c.Args().Len() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q: every input is a flag or an environment variable", c.Args().Slice())}
	}
	output := c.String("output")
	if output != "json" && output != "yaml" {
		return usageError{fmt.Errorf("--output %q: expected json or yaml", output)}
	}
	level := slog.LevelInfo
	if c.Bool("verbose") {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	s3, err := mlflow.S3ConfigFromEnv(func(name string) string {
		switch name {
		case "MLFLOW_S3_ENDPOINT_URL":
			return c.String("s3-endpoint-url")
		case "AWS_ACCESS_KEY_ID":
			return c.String("aws-access-key-id")
		case "AWS_DEFAULT_REGION":
			return c.String("aws-default-region")
		case "MLFLOW_S3_IGNORE_TLS":
			return c.String("s3-ignore-tls")
		}
		return os.Getenv(name)
	})
	if err != nil {
		return &step.InputError{Input: "MLFLOW_S3_IGNORE_TLS", Reason: strings.TrimPrefix(err.Error(), "MLFLOW_S3_IGNORE_TLS=")}
	}
	wd, _ := os.Getwd()
	cfg := step.Config{
		Model:        c.String("model"),
		Predictor:    c.String("predictor"),
		AppName:      c.String("app-name"),
		Workflow:     c.String("workflow-name"),
		Namespace:    c.String("workflow-namespace"),
		Limits:       c.String("resources-limits"),
		Replicas:     int32(c.Int("replicas")),
		SeldonAPI:    c.String("seldon-api"),
		Timeout:      c.Duration("timeout"),
		ResultsDir:   c.String("results-dir"),
		TaskResult:   c.String("task-result"),
		DryRun:       c.Bool("dry-run"),
		Force:        c.Bool("force"),
		SeldonDomain: c.String("seldon-domain"),
		WorkDir:      wd,
		S3:           s3,
	}
	cfg.Conversion.Workers = c.Int("copy-workers")

	deps := step.Deps{Log: log}
	kube, kerr := kubeClient(c.String("kubeconfig"))
	switch {
	case kerr == nil:
		deps.Kube = kube
	case !cfg.DryRun:
		return fmt.Errorf("%w: %v", step.ErrKubernetes, kerr)
	default:
		log.Debug("no Kubernetes access for the dry run: the prediction host is not read from the gateway", "reason", kerr)
	}
	if !cfg.DryRun {
		if c.Duration("registry-wait") <= 0 {
			return usageError{fmt.Errorf("--registry-wait %s: expected a positive duration such as 2m", c.Duration("registry-wait"))}
		}
		reg, err := newRegistrar(c.String("registry-url"), c.String("registry-token"), c.Duration("registry-wait"))
		if err != nil {
			return &step.InputError{Input: "FUSEML_SERVER_URL", Reason: err.Error()}
		}
		deps.Registry = reg
	}
	res, err := step.Run(ctx, cfg, deps)
	if err != nil {
		return err
	}
	if cfg.DryRun {
		return printDocument(stdout, output, res)
	}
	return nil
}

func printDocument(w io.Writer, format string, res *step.Result) error {
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if format == "yaml" {
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return err
		}
		return enc.Close()
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

// kubeClient connects to Kubernetes: the kubeconfig given, else the in-cluster config in
// a pod, else kubectl's loading rules.
func kubeClient(kubeconfig string) (dynamic.Interface, error) {
	var (
		cfg *rest.Config
		err error
	)
	switch {
	case kubeconfig != "":
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	case os.Getenv("KUBERNETES_SERVICE_HOST") != "":
		cfg, err = rest.InClusterConfig()
	default:
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("Kubernetes configuration: %w", err)
	}
	cfg.UserAgent = "seldon-core-predictor/" + version.Version
	return dynamic.NewForConfig(cfg)
}

func newRegistrar(url, token string, wait time.Duration) (step.Registrar, error) {
	return step.NewRegistryClient(url, token, wait)
}
