// Command demo runs FuseML's main job on embedded defaults, for `make demo`: it starts
// MinIO, etcd, kube-apiserver and the registry on loopback ports under .demo/, registers
// the extensions, uploads a sample model, compiles the predictor workflow, runs the step
// as its Tekton task would, plays Seldon's readiness, and leaves the servers running for
// the user. `demo down` (make demo-down) stops them by the process ids it recorded.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
