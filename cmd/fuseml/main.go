// Command fuseml manages FuseML applications and extensions in the registry.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := app.Run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fuseml:", err)
		os.Exit(app.ExitCode(err))
	}
}
