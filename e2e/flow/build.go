package flow

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Module is the project's Go module, whose commands Build builds.
const Module = "github.com/openmodelops/fuseml-seldon"

// Binaries are the project's commands the flow runs, as Build names them in its folder.
const (
	RegistryBinary = "fuseml-registry"
	CLIBinary      = "fuseml"
	StepBinary     = "seldon-core-predictor"
)

// Build builds the project's commands (./cmd/...) from the repository at root into
// dir, with the version stamped as `make build` does.
func Build(ctx context.Context, root, dir, version string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "build",
		"-ldflags", "-X "+Module+"/internal/version.Version="+version,
		"-o", dir+string(filepath.Separator), "./cmd/...")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build ./cmd/...: %w\n%s", err, strings.TrimSpace(string(out)))
	}
	for _, b := range []string{RegistryBinary, CLIBinary, StepBinary} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return fmt.Errorf("go build ./cmd/... made no %s: %w", b, err)
		}
	}
	return nil
}
