// Package mlflow reads MLflow models: the MLmodel format and its flavors, the choice of a
// Seldon predictor for a model (Detect and Check), model URIs, and the artifact stores
// that hold models (S3 through minio-go, and MLflow's local file store).
package mlflow
