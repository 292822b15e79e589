package server

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
)

// envRunAsRegistry makes the test binary be fuseml-registry itself: the crash test
// starts it as a process of its own, with this variable set, in order to kill it.
const envRunAsRegistry = "FUSEML_REGISTRY_TEST_RUN_AS_REGISTRY"

func TestMain(m *testing.M) {
	if os.Getenv(envRunAsRegistry) == "1" {
		os.Exit(runAsRegistry())
	}
	os.Exit(m.Run())
}

// runAsRegistry does what cmd/fuseml-registry's main does.
func runAsRegistry() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fuseml-registry:", err)
		return 1
	}
	return 0
}
