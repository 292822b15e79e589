// Package seldon builds the Kubernetes objects of a Seldon prediction service (the rclone
// Secret, the ServiceAccount and the SeldonDeployment of Seldon Core v1, or the Secret and
// Model of Seldon Core v2), applies them with server-side apply, waits until Seldon says
// the service is ready, and works out the prediction URL.
package seldon
