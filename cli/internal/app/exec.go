package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/streaming/pkg/httpstream"
	utilexec "k8s.io/utils/exec"
)

func execCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name: "exec", Usage: "Execute a command in a container", ArgsUsage: "POD [-c CONTAINER] [-i] [-t] -- COMMAND [args...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name (default: the pod's default container)"},
			&cli.BoolFlag{Name: "stdin", Aliases: []string{"i"}, Usage: "pass stdin to the container"},
			&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "stdin is a TTY"},
			&cli.BoolFlag{Name: "it", Hidden: true, Usage: "-i -t"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "only print output from the remote session"},
		},
		Action: func(c *cli.Context) error { return runExec(c.Context, env, c) },
	}
}

func attachCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name: "attach", Usage: "Attach to the output of a running container", ArgsUsage: "POD [-c CONTAINER]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "container", Aliases: []string{"c"}, Usage: "container name (default: the pod's default container)"},
		},
		Action: func(c *cli.Context) error { return runAttach(c.Context, env, c) },
	}
}

// runAttach streams a container's output through pods/attach until the
// container exits or wharf is interrupted.
func runAttach(ctx context.Context, env *Env, c *cli.Context) error {
	if c.NArg() != 1 {
		return usageError("expected POD")
	}
	exec, err := env.podExecutor(ctx, c, "attach", url.Values{"stdout": {"true"}, "stderr": {"true"}})
	if err != nil {
		return err
	}
	err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: env.Out, Stderr: env.Err})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// runExec runs the command through pods/exec: websocket v5 first, SPDY
// when the server cannot upgrade to it (as kubectl does). A non-zero
// remote exit code becomes wharf's exit code.
func runExec(ctx context.Context, env *Env, c *cli.Context) error {
	if c.NArg() < 2 {
		return usageError("expected POD -- COMMAND [args...]")
	}
	stdin, tty := c.Bool("stdin") || c.Bool("it"), c.Bool("tty") || c.Bool("it")
	if tty && !isTerminal(env.In) {
		if !c.Bool("quiet") {
			fmt.Fprintln(env.Err, "Unable to use a TTY - input is not a terminal or the right kind of file")
		}
		tty = false
	}
	q := url.Values{"command": c.Args().Slice()[1:], "stdin": {strconv.FormatBool(stdin)}, "stdout": {"true"},
		"stderr": {strconv.FormatBool(!tty)}, "tty": {strconv.FormatBool(tty)}}
	exec, err := env.podExecutor(ctx, c, "exec", q)
	if err != nil {
		return err
	}
	opts := remotecommand.StreamOptions{Stdout: env.Out, Stderr: env.Err, Tty: tty}
	if stdin {
		opts.Stdin = env.In
	}
	restore := func() {}
	if tty {
		opts.TerminalSizeQueue, restore = rawTerminal(ctx, env.In.(*os.File))
	}
	err = exec.StreamWithContext(ctx, opts)
	restore()
	var ee utilexec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		return exitCodeError{code: ee.ExitStatus()}
	}
	return err
}

// podExecutor is the executor of subresource sub (exec or attach) of the
// running pod named by the first argument, for the --container flag's
// container (default: the pod's default container) and query q.
func (env *Env) podExecutor(ctx context.Context, c *cli.Context, sub string, q url.Values) (remotecommand.Executor, error) {
	pod, err := env.runningPod(ctx, c, c.Args().First())
	if err != nil {
		return nil, err
	}
	container := c.String("container")
	if container == "" {
		container = env.defaultContainer(pod)
	}
	q.Set("container", container)
	u, err := env.subresourceURL(c, pod.Name, sub, q)
	if err != nil {
		return nil, err
	}
	cfg, err := env.restConfig(c)
	if err != nil {
		return nil, err
	}
	return newExecutor(cfg, u)
}

// newExecutor is kubectl's: websocket (v5.channel.k8s.io) with SPDY as
// the fallback.
func newExecutor(cfg *rest.Config, u *url.URL) (remotecommand.Executor, error) {
	spdyExec, err := remotecommand.NewSPDYExecutor(cfg, "POST", u)
	if err != nil {
		return nil, err
	}
	wsExec, err := remotecommand.NewWebSocketExecutor(cfg, "GET", u.String())
	if err != nil {
		return nil, err
	}
	return remotecommand.NewFallbackExecutor(wsExec, spdyExec, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
}

func isTerminal(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// rawTerminal puts the terminal f into raw mode and returns a size queue
// reporting its size now and after every window change (SIGWINCH), and the
// function restoring the terminal.
func rawTerminal(ctx context.Context, f *os.File) (remotecommand.TerminalSizeQueue, func()) {
	fd := int(f.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, func() {}
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	winch <- syscall.SIGWINCH // the first Next reports the size now
	return &windowSizes{ctx: ctx, fd: fd, winch: winch}, func() {
		signal.Stop(winch)
		_ = term.Restore(fd, state)
	}
}

// windowSizes reports the terminal's size whenever it changes, until the
// session ends.
type windowSizes struct {
	ctx   context.Context
	fd    int
	winch chan os.Signal
}

func (s *windowSizes) Next() *remotecommand.TerminalSize {
	for {
		select {
		case <-s.ctx.Done():
			return nil
		case <-s.winch:
			if w, h, err := term.GetSize(s.fd); err == nil {
				return &remotecommand.TerminalSize{Width: uint16(w), Height: uint16(h)}
			}
		}
	}
}
