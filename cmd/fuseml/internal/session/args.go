package session

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// Args returns the command's arguments, which must be exactly as many as names (each
// named in the usage error).
func Args(c *cli.Context, names ...string) ([]string, error) {
	got := c.Args().Slice()
	if len(got) == len(names) {
		return got, nil
	}
	help := c.Command.HelpName
	if len(got) < len(names) {
		return nil, Usagef("%s needs %s (see '%s --help')", help, strings.Join(names[len(got):], ", "), help)
	}
	return nil, Usagef("%s takes %d argument(s) (%s), got %d (see '%s --help')", help, len(names), strings.Join(names, ", "), len(got), help)
}
