package app

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// Shell completion scripts that ask wharf itself for candidates through
// urfave/cli's --generate-bash-completion protocol.
const bashCompletion = `# wharf bash completion; load with: source <(wharf completion bash)
_wharf_complete() {
  local cur opts
  cur="${COMP_WORDS[COMP_CWORD]}"
  opts=$( "${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null )
  COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
  return 0
}
complete -o bashdefault -o default -F _wharf_complete wharf
`

const zshCompletion = `#compdef wharf
# wharf zsh completion; load with: source <(wharf completion zsh)
_wharf() {
  local -a opts
  opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  _describe 'values' opts
}
compdef _wharf wharf
`

func completionCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name: "completion", Usage: "Output shell completion code for bash or zsh", ArgsUsage: "bash|zsh",
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "bash":
				fmt.Fprint(env.Out, bashCompletion)
			case "zsh":
				fmt.Fprint(env.Out, zshCompletion)
			default:
				return usageError("shell must be bash or zsh")
			}
			return nil
		},
	}
}
