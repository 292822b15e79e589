// Command seldon-core-predictor is the FuseML predictor step: it serves an MLflow model
// with Seldon Core and registers it as an application.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/openmodelops/fuseml-seldon/cmd/seldon-core-predictor/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := app.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(app.ExitCode(err))
}
