// Package step is the Seldon Core predictor step: its input contract (FuseML's
// environment variables), the run from an MLflow model URL to a ready Seldon service and a
// registered application, and its Tekton result.
package step
