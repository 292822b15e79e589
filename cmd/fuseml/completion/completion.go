// Package completion is `fuseml completion bash|zsh`: shell scripts that complete
// fuseml's commands and flags by asking fuseml itself (urfave/cli's
// --generate-bash-completion).
package completion

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/openmodelops/fuseml-seldon/cmd/fuseml/internal/session"
)

// Command is `fuseml completion`.
func Command(s *session.Session) *cli.Command {
	return &cli.Command{
		Name:  "completion",
		Usage: "print a shell completion script (bash or zsh)",
		UsageText: "fuseml completion bash|zsh\n\n" +
			"bash: source <(fuseml completion bash)   (or save it under /etc/bash_completion.d/)\n" +
			"zsh:  source <(fuseml completion zsh)    (or save it as _fuseml in a folder of $fpath)",
		Action: func(c *cli.Context) error {
			return Print(s, c.Args().Slice())
		},
	}
}

// Print writes the script for the shell named in args.
func Print(s *session.Session, args []string) error {
	if len(args) != 1 {
		return session.Usagef("fuseml completion needs one shell: bash or zsh")
	}
	script, ok := scripts[args[0]]
	if !ok {
		return session.Usagef("fuseml completion: unknown shell %q (want bash or zsh)", args[0])
	}
	_, err := fmt.Fprint(s.Out, script)
	return err
}

var scripts = map[string]string{
	"bash": `# bash completion for fuseml: source <(fuseml completion bash)
_fuseml_complete() {
    local cur="${COMP_WORDS[COMP_CWORD]}"
    local -a words=("${COMP_WORDS[@]:0:COMP_CWORD}")
    if [[ "$cur" == -* ]]; then
        words+=("$cur")
    fi
    local IFS=$'\n'
    COMPREPLY=($(compgen -W "$("${words[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _fuseml_complete fuseml
`,
	"zsh": `#compdef fuseml
# zsh completion for fuseml: source <(fuseml completion zsh)
_fuseml() {
    local cur="${words[CURRENT]}"
    local -a args=("${(@)words[1,CURRENT-1]}")
    if [[ "$cur" == -* ]]; then
        args+=("$cur")
    fi
    local -a opts=("${(@f)$("${args[@]}" --generate-bash-completion 2>/dev/null)}")
    if [[ -n "${opts[1]}" ]]; then
        compadd -- "${opts[@]}"
    else
        _files
    fi
}
compdef _fuseml fuseml
`,
}
