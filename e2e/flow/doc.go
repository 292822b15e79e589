// Package flow runs FuseML's main job end to end over real processes, for the e2e tests
// and for `make demo`: it builds the binaries, starts the registry binary, registers the
// extensions with the fuseml CLI, uploads a model to S3 with an S3 client of its own
// (aws-sdk-go-v2, independent of the step's minio-go), compiles the predictor workflow
// with the CLI, applies the Pipeline and Secret, derives the predictor task's environment
// from the compiled Pipeline as Tekton and a kubelet would, runs the step binary with
// exactly that environment, and plays the Seldon operator, which cannot run here.
package flow
