package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/application"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/completion"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/extension"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
	fversion "github.com/openmodelops/fuseml-seldon/cmd/fuseml/version"
	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/workflow"
	"github.com/openmodelops/fuseml-seldon/internal/version"
)

// commands are the command groups, in the order help lists them. Adding a group is
// one line here.
func commands(s *session.Session) []*cli.Command {
	return []*cli.Command{
		application.Command(s),
		extension.Command(s),
		workflow.Command(s),
		fversion.Command(s),
		completion.Command(s),
	}
}

// Run runs the command line (args[0] is the program's name) with the process's
// standard input.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return RunIO(ctx, args, os.Stdin, stdout, stderr)
}

// RunIO is Run with the standard input given.
func RunIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	s := &session.Session{In: stdin, Out: stdout, Err: stderr}
	a := New(s)
	err := a.RunContext(ctx, normalize(a, args))
	return explain(s, err)
}

// New returns the command line application over a session; the global flags fill
// the session before any command runs.
func New(s *session.Session) *cli.App {
	a := &cli.App{
		Name:      "fuseml",
		Usage:     "manage FuseML applications and extensions in the registry",
		UsageText: "fuseml [global options] command [command options] [arguments...]",
		Version:   version.Version,
		// --version is one of the global flags below (-v is --verbose, FuseML's habit)
		HideVersion:          true,
		Writer:               s.Out,
		ErrWriter:            s.Err,
		EnableBashCompletion: true,
		Suggest:              true,
		// errors go back to main, which prints them and sets the exit code
		ExitErrHandler: func(*cli.Context, error) {},
		Flags:          globalFlags(),
		Before:         func(c *cli.Context) error { return fillSession(c, s) },
		Action:         func(c *cli.Context) error { return root(c, s) },
		Commands:       commands(s),
	}
	a.OnUsageError = usageError
	for _, c := range a.Commands {
		prepare(c)
	}
	return a
}

// prepare makes every command report usage errors as *session.UsageError and every
// group refuse an unknown subcommand.
func prepare(c *cli.Command) {
	c.OnUsageError = usageError
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = group
	}
	for _, sub := range c.Subcommands {
		prepare(sub)
	}
}

func usageError(c *cli.Context, err error, _ bool) error {
	name := c.App.Name
	if c.Command != nil && c.Command.HelpName != "" {
		name = c.Command.HelpName
	}
	return session.Usagef("%v (see '%s --help')", err, name)
}

// group shows a command group's help, or refuses an unknown subcommand.
func group(c *cli.Context) error {
	if c.Args().Present() {
		return session.Usagef("unknown command %q for %q (see '%s --help')", c.Args().First(), c.Command.HelpName, c.Command.HelpName)
	}
	return cli.ShowSubcommandHelp(c)
}

func root(c *cli.Context, s *session.Session) error {
	switch {
	case c.Bool("version"):
		_, err := fmt.Fprintf(s.Out, "fuseml %s\n", version.Version)
		return err
	case c.Args().Present():
		return session.Usagef("unknown command %q (see 'fuseml --help')", c.Args().First())
	}
	return cli.ShowAppHelp(c)
}

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "url", Aliases: []string{"u"}, EnvVars: []string{"FUSEML_SERVER_URL"}, Usage: "URL of the FuseML registry"},
		&cli.StringFlag{Name: "token", EnvVars: []string{"FUSEML_TOKEN"}, Usage: "bearer token for the registry"},
		&cli.GenericFlag{Name: "timeout", EnvVars: []string{"FUSEML_HTTP_TIMEOUT"}, Value: &timeout{d: session.DefaultTimeout}, Usage: "how long to wait for each answer: seconds (FuseML's habit) or a duration such as 1m30s"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, EnvVars: []string{"FUSEML_VERBOSE"}, Usage: "log each request to the registry on stderr, and give errors in full"},
		&cli.BoolFlag{Name: "version", Usage: "print the CLI's version"},
	}
}

func fillSession(c *cli.Context, s *session.Session) error {
	s.URL = c.String("url")
	s.Token = c.String("token")
	s.Verbose = c.Bool("verbose")
	if t, ok := c.Generic("timeout").(*timeout); ok {
		s.Timeout = t.d
	}
	return nil
}

// timeout reads a number of seconds or a Go duration.
type timeout struct{ d time.Duration }

func (t *timeout) Set(v string) error {
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return fmt.Errorf("timeout must be positive")
		}
		t.d = time.Duration(n) * time.Second
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("want seconds or a positive duration such as 1m30s, got %q", v)
	}
	t.d = d
	return nil
}

func (t *timeout) String() string {
	if t == nil {
		return ""
	}
	return t.d.String()
}
