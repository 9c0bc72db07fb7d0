package streaming

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	rcconst "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	"k8s.io/streaming/pkg/httpstream/wsstream"
	utilexec "k8s.io/utils/exec"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// serveExec serves /exec/{ns}/{pod}/{container}?command=..&input=1&
// output=1&error=1&tty=1 (the parameter names the apiserver sends).
func (s *Server) serveExec(w http.ResponseWriter, r *http.Request) {
	pod, id, opts, err := s.commandTarget(r)
	if err != nil {
		writeError(w, err)
		return
	}
	cmd := r.URL.Query()["command"]
	if len(cmd) == 0 {
		writeError(w, badRequest("you must specify at least one command for the container"))
		return
	}
	s.cfg.Log.InfoContext(r.Context(), "exec", "pod", pod.Namespace+"/"+pod.Name, "container", r.PathValue("container"), "tty", opts.TTY)
	ex := executor{rt: s.cfg.Runtime, id: id}
	if wsstream.IsWebSocketRequestWithStreamCloseProtocol(r) {
		s.serveV5(w, r, opts, func(ctx context.Context, sio runtime.StreamIO) (int, error) {
			return s.cfg.Runtime.ExecStream(ctx, id, cmd, sio)
		})
		return
	}
	remotecommand.ServeExec(w, r, ex, pod.Name, string(pod.UID), r.PathValue("container"), cmd, opts,
		s.cfg.IdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

// executor adapts runtime.ExecStream to cri-streaming's Executor, which
// serves SPDY and the pre-v5 websocket protocols.
type executor struct {
	rt Runtime
	id string
}

// ExecInContainer implements remotecommand.Executor; a non-zero exit
// code becomes an ExitError, which ServeExec reports as NonZeroExitCode.
func (e executor) ExecInContainer(ctx context.Context, _, _, _ string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	sio := runtime.StreamIO{Stdin: in, TTY: tty, Resize: convertSizes(ctx, resize)}
	if out != nil {
		sio.Stdout = out
	}
	if errw != nil {
		sio.Stderr = errw
	}
	code, err := e.rt.ExecStream(ctx, e.id, cmd, sio)
	switch {
	case err != nil:
		return err
	case code != 0:
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", code), Code: code}
	}
	return nil
}

func convertSizes(ctx context.Context, in <-chan remotecommand.TerminalSize) <-chan runtime.TermSize {
	if in == nil {
		return nil
	}
	out := make(chan runtime.TermSize)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case sz, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- runtime.TermSize{Width: sz.Width, Height: sz.Height}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// streamFunc runs a command (or attaches) with the client's streams and
// returns its exit code.
type streamFunc func(ctx context.Context, sio runtime.StreamIO) (int, error)

// serveV5 serves the v5.channel.k8s.io websocket protocol: one binary
// message per write, its first byte the stream (0 stdin … 4 resize); a
// message [255, n] closes stream n (stdin's EOF). The final Status goes
// to the error stream, then the connection closes.
func (s *Server) serveV5(w http.ResponseWriter, r *http.Request, opts *remotecommand.Options, run streamFunc) {
	channels := []wsstream.ChannelType{readIf(opts.Stdin), writeIf(opts.Stdout), writeIf(opts.Stderr), wsstream.WriteChannel, wsstream.ReadChannel}
	conn := wsstream.NewConn(map[string]wsstream.ChannelProtocolConfig{
		rcconst.StreamProtocolV5Name: {Binary: true, Channels: channels},
	})
	conn.SetIdleTimeout(s.cfg.IdleTimeout)
	_, streams, err := conn.Open(w, r)
	if err != nil {
		s.cfg.Log.WarnContext(r.Context(), "websocket upgrade failed", "path", r.URL.Path, "err", err)
		return
	}
	defer conn.Close()
	// An empty message on the first writable stream tells the client the
	// streams are ready, as upstream's servers do.
	switch {
	case opts.Stdout:
		_, _ = streams[rcconst.StreamStdOut].Write(nil)
	case opts.Stderr:
		_, _ = streams[rcconst.StreamStdErr].Write(nil)
	default:
		_, _ = streams[rcconst.StreamErr].Write(nil)
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	sio := runtime.StreamIO{TTY: opts.TTY}
	if opts.Stdin {
		sio.Stdin = streams[rcconst.StreamStdIn]
	}
	if opts.Stdout {
		sio.Stdout = streams[rcconst.StreamStdOut]
	}
	if opts.Stderr {
		sio.Stderr = streams[rcconst.StreamStdErr]
	}
	if opts.TTY {
		sio.Resize = decodeSizes(ctx, streams[rcconst.StreamResize])
	}
	code, err := run(ctx, sio)
	b, _ := json.Marshal(exitStatus(code, err))
	_, _ = streams[rcconst.StreamErr].Write(b)
}

// decodeSizes reads the resize stream's JSON {"Width":w,"Height":h}
// messages until it ends.
func decodeSizes(ctx context.Context, r io.Reader) <-chan runtime.TermSize {
	out := make(chan runtime.TermSize)
	go func() {
		defer close(out)
		dec := json.NewDecoder(r)
		for {
			var sz remotecommand.TerminalSize
			if err := dec.Decode(&sz); err != nil {
				return
			}
			select {
			case out <- runtime.TermSize{Width: sz.Width, Height: sz.Height}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

func readIf(on bool) wsstream.ChannelType {
	if on {
		return wsstream.ReadChannel
	}
	return wsstream.IgnoreChannel
}

func writeIf(on bool) wsstream.ChannelType {
	if on {
		return wsstream.WriteChannel
	}
	return wsstream.IgnoreChannel
}
