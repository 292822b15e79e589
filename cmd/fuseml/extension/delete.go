package extension

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Delete deletes an extension with its whole tree.
func Delete(ctx context.Context, s *session.Session, c *cli.Context) error {
	args, err := session.Args(c, "ID")
	if err != nil {
		return err
	}
	cl, err := s.Client()
	if err != nil {
		return err
	}
	if err := cl.DeleteExtension(ctx, args[0]); err != nil {
		return fmt.Errorf("deleting extension %q: %w", args[0], err)
	}
	_, err = fmt.Fprintf(s.Out, "Extension %q deleted.\n", args[0])
	return err
}
