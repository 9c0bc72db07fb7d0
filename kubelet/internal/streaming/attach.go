package streaming

import (
	"context"
	"io"
	"net/http"

	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	"k8s.io/streaming/pkg/httpstream/wsstream"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// serveAttach serves /attach/{ns}/{pod}/{container}?output=1&error=1:
// the container's output from now on, until it exits or the client
// leaves. Containers run without stdin or a terminal, so input=1 and
// tty=1 are refused before the upgrade.
func (s *Server) serveAttach(w http.ResponseWriter, r *http.Request) {
	pod, id, opts, err := s.commandTarget(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if opts.Stdin || opts.TTY {
		writeError(w, badRequest("container %s in pod %s has no stdin or terminal to attach to; attach without -i and -t", r.PathValue("container"), pod.Name))
		return
	}
	s.cfg.Log.InfoContext(r.Context(), "attach", "pod", pod.Namespace+"/"+pod.Name, "container", r.PathValue("container"))
	if wsstream.IsWebSocketRequestWithStreamCloseProtocol(r) {
		s.serveV5(w, r, opts, func(ctx context.Context, sio runtime.StreamIO) (int, error) {
			return 0, s.cfg.Runtime.Attach(ctx, id, sio)
		})
		return
	}
	remotecommand.ServeAttach(w, r, attacher{rt: s.cfg.Runtime, id: id}, pod.Name, string(pod.UID), r.PathValue("container"), opts,
		s.cfg.IdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

// attacher adapts runtime.Attach to cri-streaming's Attacher.
type attacher struct {
	rt Runtime
	id string
}

// AttachContainer implements remotecommand.Attacher.
func (a attacher) AttachContainer(ctx context.Context, _, _, _ string, _ io.Reader, out, errw io.WriteCloser, _ bool, _ <-chan remotecommand.TerminalSize) error {
	var sio runtime.StreamIO
	if out != nil {
		sio.Stdout = out
	}
	if errw != nil {
		sio.Stderr = errw
	}
	return a.rt.Attach(ctx, a.id, sio)
}
