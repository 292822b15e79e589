// Package version is `fuseml version`: the CLI's version, and the registry's.
package version

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	"github.com/openmodelops/fuseml-seldon/internal/version"
)

// Command is `fuseml version`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print the CLI's version and the registry's",
		UsageText: "fuseml version [--client]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "client", Usage: "print only the CLI's version (no request to the registry)"},
		},
		Action: func(c *cli.Context) error {
			return Print(c.Context, s, c.Bool("client"))
		},
	}
}

// Print prints the CLI's version and, unless clientOnly, whether and where the
// registry answers. The registry does not report its own version yet (it has no
// version endpoint), so this says so rather than guess.
func Print(ctx context.Context, s *session.Session, clientOnly bool) error {
	fmt.Fprintf(s.Out, "Client Version: %s\n", version.Version)
	if clientOnly {
		return nil
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	if err := cl.Health(ctx); err != nil {
		return fmt.Errorf("checking the registry: %w", err)
	}
	_, err = fmt.Fprintf(s.Out, "Server URL:     %s\nServer Version: unknown (the registry answers but does not report its version)\n", s.RedactedURL())
	return err
}
