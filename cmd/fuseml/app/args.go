package app

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// completionFlag is urfave/cli's hidden last argument asking for completions.
const completionFlag = "--generate-bash-completion"

// normalize reorders the arguments into the order urfave/cli parses (global flags,
// the command's words, the command's flags, then its arguments after "--"), so that
// users may put flags anywhere, as with kubectl: `fuseml application delete NAME
// --yes`, `fuseml application list -o json --url URL`. A flag of the command wins
// over a global flag of the same name; an unknown flag is left for urfave/cli to
// refuse.
func normalize(a *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	rest := slices.Clone(args[1:])
	complete := false
	if n := len(rest); rest[n-1] == completionFlag {
		complete, rest = true, rest[:n-1]
	}
	var (
		globals, words, flags, positional []string
		cmds                              = a.Commands
		leaf                              *cli.Command
	)
	for i := 0; i < len(rest); i++ {
		arg := rest[i]
		if arg == "--" {
			positional = append(positional, rest[i+1:]...)
			break
		}
		if strings.HasPrefix(arg, "-") && arg != "-" {
			name, inline := flagName(arg)
			target := &flags
			f := lookup(leafFlags(leaf), name)
			if f == nil {
				if g := lookup(a.Flags, name); g != nil {
					f, target = g, &globals
				} else if leaf == nil {
					target = &globals
				}
			}
			*target = append(*target, arg)
			if f != nil && takesValue(f) && !inline && i+1 < len(rest) {
				*target = append(*target, rest[i+1])
				i++
			}
			continue
		}
		if len(positional) == 0 {
			if c := find(cmds, arg); c != nil {
				words = append(words, arg)
				leaf, cmds = c, c.Subcommands
				continue
			}
		}
		positional = append(positional, arg)
	}
	out := append([]string{args[0]}, globals...)
	out = append(out, words...)
	out = append(out, flags...)
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	if complete {
		out = append(out, completionFlag)
	}
	return out
}

func leafFlags(c *cli.Command) []cli.Flag {
	if c == nil {
		return nil
	}
	return c.Flags
}

// flagName returns the name of "-x", "--name" or "--name=value", and whether the
// value is inline.
func flagName(arg string) (string, bool) {
	name := strings.TrimLeft(arg, "-")
	if i := strings.IndexByte(name, '='); i >= 0 {
		return name[:i], true
	}
	return name, false
}

func lookup(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

func takesValue(f cli.Flag) bool {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.TakesValue()
	}
	return false
}

func find(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
