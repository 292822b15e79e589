// Package workflows reads FuseML workflow YAML and compiles it to Tekton.
//
// A workflow names its inputs, outputs and steps; each step is a container image that
// reads its inputs from FUSEML_<NAME> environment variables and writes one output as a
// Tekton result named by TASK_RESULT (FuseML's step contract). Parse reads and validates
// a workflow, reporting each problem with its line and field. Compile turns it into a
// Tekton v1 Pipeline with embedded task specs and, when the steps' extension
// requirements resolve to credentials, one Kubernetes Secret that holds them: the
// Pipeline only refers to the Secret, so no credential is ever written into it.
//
// Extension requirements are resolved through a Resolver, which the registry's client
// satisfies through a small adapter.
//
// The package also ships example workflows (examples/) and a standalone Tekton Task for
// the Seldon Core predictor step with its RBAC (tasks/).
package workflows
