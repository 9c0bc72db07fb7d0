// Package app is the wharf command line: kubectl's verbs and output over
// proto's client, plus the OpenShift-style project commands of the seed
// walkthroughs.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// Streams are the command's standard streams.
type Streams struct {
	In       io.Reader
	Out, Err io.Writer
}

// Main runs the wharf command line and returns the process exit code.
func Main(ctx context.Context, args []string, s Streams) int {
	env := &Env{In: s.In, Out: s.Out, Err: s.Err, Now: time.Now, Home: homeDir()}
	a := newApp(env)
	err := a.RunContext(ctx, append(args[:1:1], reorder(args[1:], flagsOf(a))...))
	if err == nil {
		return 0
	}
	var ue usageError
	if code, ok := exitCode(err); ok {
		return code
	}
	switch {
	case errors.Is(err, errAlreadyReported):
	case errors.As(err, &ue):
		fmt.Fprintf(s.Err, "error: %s\nSee 'wharf %s --help' for usage.\n", ue, commandName(args))
	default:
		fmt.Fprintln(s.Err, userError(err))
	}
	return 1
}

func commandName(args []string) string {
	for _, a := range args[1:] {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

func newApp(env *Env) *cli.App {
	a := &cli.App{
		Name:                   "wharf",
		Usage:                  "control a Wharf (Kubernetes-compatible) cluster",
		Reader:                 env.In,
		Writer:                 env.Out,
		ErrWriter:              env.Err,
		HideHelpCommand:        true,
		EnableBashCompletion:   true,
		UseShortOptionHandling: false,
		Flags:                  connectionFlags(),
		Commands:               commands(env),
		ExitErrHandler:         func(*cli.Context, error) {}, // Main prints errors
	}
	for _, c := range a.Commands {
		if c.Name == "create" {
			c.Subcommands = createSubcommands(env)
		}
	}
	addConnectionFlags(a.Commands)
	return a
}

func commands(env *Env) []*cli.Command {
	cmds := []*cli.Command{
		getCommand(env),
		manifestCommand(env, "create", "Create a resource from a file or from stdin", nil, createVerb,
			&cli.BoolFlag{Name: "save-config", Usage: "store the configuration in the last-applied annotation"}),
		manifestCommand(env, "apply", "Apply a configuration to a resource by file name or stdin", nil, applyVerb),
		manifestCommand(env, "replace", "Replace a resource by file name or stdin", []string{"update"}, replaceVerb,
			&cli.BoolFlag{Name: "force", Usage: "delete and re-create the resource"}),
		deleteCommand(env),
		describeCommand(env),
		completionCommand(env),
	}
	cmds = append(cmds, rolloutCommand(env), configCommand(env), execCommand(env), attachCommand(env), portForwardCommand(env))
	cmds = append(cmds, projectCommands(env)...)
	cmds = append(cmds, runCommands(env)...)
	cmds = append(cmds, objectCommands(env)...)
	cmds = append(cmds, nodeCommands(env)...)
	cmds = append(cmds, infoCommands(env)...)
	return append(cmds, mutateCommands(env)...)
}

// addConnectionFlags gives every command kubectl's global flags, so they
// may be written anywhere on the command line.
func addConnectionFlags(cmds []*cli.Command) {
	for _, c := range cmds {
		c.Flags = append(c.Flags, connectionFlags()...)
		addConnectionFlags(c.Subcommands)
	}
}

// flagsOf returns a lookup from a command path to that command's flags.
func flagsOf(a *cli.App) func(path []string) []cli.Flag {
	return func(path []string) []cli.Flag {
		flags, cmds := a.Flags, a.Commands
		for _, p := range path {
			var found *cli.Command
			for _, c := range cmds {
				if c.HasName(p) {
					found = c
				}
			}
			if found == nil {
				return nil
			}
			flags, cmds = found.Flags, found.Subcommands
		}
		return flags
	}
}
