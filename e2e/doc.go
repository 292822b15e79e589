// Package e2e holds the end-to-end tests: the project's real binaries (fuseml-registry,
// fuseml, seldon-core-predictor) run as processes against real MinIO, etcd and
// kube-apiserver servers, through the whole main job (see e2e/flow). The test servers'
// helpers are in e2e/testserver, the demo in e2e/cmd/demo.
package e2e
