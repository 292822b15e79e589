package app

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// TestHelp renders `fuseml --help` and every command's help, and checks that each
// names every flag of its command.
func TestHelp(t *testing.T) {
	a := New(&session.Session{})
	var walk func(path []string, flags []cli.Flag, cmds []*cli.Command)
	count := 0
	walk = func(path []string, flags []cli.Flag, cmds []*cli.Command) {
		count++
		for _, form := range [][]string{append(path, "--help"), append(path, "-h")} {
			r := run(t, nil, form...)
			require.Equal(t, 0, r.code, "fuseml %s\n%s", strings.Join(form, " "), r)
			assert.Empty(t, r.err)
			assert.Contains(t, r.out, "USAGE:")
			for _, f := range flags {
				for _, n := range f.Names() {
					dash := "--"
					if len(n) == 1 {
						dash = "-"
					}
					assert.Regexp(t, regexp.QuoteMeta(dash+n)+"[ ,]", r.out, "fuseml %s names %s%s", strings.Join(form, " "), dash, n)
				}
			}
			for _, c := range cmds {
				assert.Contains(t, r.out, c.Name, "fuseml %s lists %s", strings.Join(form, " "), c.Name)
			}
		}
		for _, c := range cmds {
			walk(append(append([]string(nil), path...), c.Name), c.Flags, c.Subcommands)
		}
	}
	walk(nil, a.Flags, a.Commands)
	assert.Greater(t, count, 30, "every command was visited")

	// help as a command, and with no arguments
	for _, args := range [][]string{{}, {"help"}, {"help", "application"}, {"application"}, {"extension", "service"}, {"application", "help", "list"}} {
		r := run(t, nil, args...)
		assert.Equal(t, 0, r.code, "fuseml %s\n%s", strings.Join(args, " "), r)
		assert.Contains(t, r.out, "USAGE:", "fuseml %s", strings.Join(args, " "))
	}
}

func TestNormalize(t *testing.T) {
	a := New(&session.Session{})
	tests := []struct {
		in, want string
	}{
		{"application list", "application list"},
		{"application list -o json", "application list -o json"},
		{"application list -o json --url U", "--url U application list -o json"},
		{"application delete NAME --yes", "application delete --yes -- NAME"},
		{"-u U app get NAME -o yaml --token T", "-u U --token T app get -o yaml -- NAME"},
		{"extension list --version 1.0", "extension list --version 1.0"},
		{"--version", "--version"},
		{"extension update ID --version=2 -f -", "extension update --version=2 -f - -- ID"},
		{"extension endpoint add E S http://x --type internal -c K=V", "extension endpoint add --type internal -c K=V -- E S http://x"},
		{"application get -- -odd", "application get -- -odd"},
		{"application frobnicate list", "application -- frobnicate list"},
		{"application list --frobnicate x", "application list --frobnicate -- x"},
		{"-v application list", "-v application list"},
		{"application list --generate-bash-completion", "application list --generate-bash-completion"},
		{"application get NAME -h", "application get -h -- NAME"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := normalize(a, append([]string{"fuseml"}, strings.Fields(tt.in)...))
			assert.Equal(t, append([]string{"fuseml"}, strings.Fields(tt.want)...), got)
		})
	}
}

func TestCompletion(t *testing.T) {
	// urfave/cli reads the word being completed from os.Args
	saved := os.Args
	t.Cleanup(func() { os.Args = saved })
	os.Args = []string{"fuseml", "--generate-bash-completion"}
	r := run(t, nil, "--generate-bash-completion")
	require.Equal(t, 0, r.code, "%s", r)
	for _, w := range []string{"application", "extension", "version", "completion"} {
		assert.Contains(t, r.out, w)
	}
	os.Args = []string{"fuseml", "extension", "--generate-bash-completion"}
	r = run(t, nil, "extension", "--generate-bash-completion")
	require.Equal(t, 0, r.code, "%s", r)
	for _, w := range []string{"register", "list", "service", "endpoint", "credentials"} {
		assert.Contains(t, r.out, w)
	}
	os.Args = []string{"fuseml", "application", "list", "--fo", "--generate-bash-completion"}
	r = run(t, nil, "application", "list", "--fo", "--generate-bash-completion")
	require.Equal(t, 0, r.code, "%s", r)
	assert.Equal(t, "--format\n", r.out)
}
