package app

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorder moves the flags of a command line in front of its positional
// arguments, so that `wharf get pods -n hack` parses like kubectl even
// though urfave/cli stops at the first positional argument. cmdFlags
// returns the flags of the (sub)command named by the positionals seen so
// far, or nil while the command is not yet known.
func reorder(args []string, cmdFlags func(path []string) []cli.Flag) []string {
	var path, flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if len(positional) == len(path) && isSubcommand(cmdFlags, append(path, a)) {
				path = append(path, a)
			}
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		if takesValue(cmdFlags(path), a) && !strings.Contains(a, "=") && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	out := append([]string{}, positional[:len(path)]...)
	out = append(out, flags...)
	if rest := positional[len(path):]; len(rest) > 0 {
		out = append(out, "--")
		out = append(out, rest...)
	}
	return out
}

func isSubcommand(cmdFlags func([]string) []cli.Flag, path []string) bool {
	return cmdFlags(path) != nil
}

// takesValue reports whether the flag written as arg needs a value.
func takesValue(flags []cli.Flag, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	name, _, _ = strings.Cut(name, "=")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n != name {
				continue
			}
			if bf, ok := f.(*cli.BoolFlag); ok && bf != nil {
				return false
			}
			return true
		}
	}
	return false
}
