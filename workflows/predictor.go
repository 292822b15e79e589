package workflows

// PredictorStepInputs are the environment variables that the Seldon Core predictor step
// reads (DESIGN, "The step's contract"). The standalone Task in
// tasks/seldon-core-predictor.yaml sets every one of them, which a test checks; the step
// package must read exactly these, which a test on the step's side checks.
var PredictorStepInputs = []string{
	"FUSEML_MODEL",
	"FUSEML_PREDICTOR",
	"FUSEML_APP_NAME",
	"FUSEML_VERBOSE",
	"FUSEML_ENV_WORKFLOW_NAME",
	"FUSEML_ENV_WORKFLOW_NAMESPACE",
	"FUSEML_RESOURCES_LIMITS",
	"MLFLOW_S3_ENDPOINT_URL",
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_DEFAULT_REGION",
	"MLFLOW_S3_IGNORE_TLS",
	"TASK_RESULT",
	"FUSEML_SERVER_URL",
	"FUSEML_TOKEN",
}

// PredictorResult is the Tekton result the predictor step writes the prediction URL to.
const PredictorResult = "prediction-url"
