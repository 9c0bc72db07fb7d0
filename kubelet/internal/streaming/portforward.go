package streaming

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"

	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/streaming/pkg/httpstream/wsstream"

	"github.com/wharfhq/wharf/kubelet/internal/network"
)

// servePortForward serves /portForward/{ns}/{pod}: SPDY, the v4
// websocket protocol (ports in ?port=), and SPDY tunneled through a
// websocket (kubectl's default since v1.31).
func (s *Server) servePortForward(w http.ResponseWriter, r *http.Request) {
	pod, err := s.pod(r.PathValue("ns"), r.PathValue("pod"))
	if err != nil {
		writeError(w, err)
		return
	}
	s.cfg.Log.InfoContext(r.Context(), "port-forward", "pod", pod.Namespace+"/"+pod.Name)
	fw := forwarder{netns: s.cfg.NetNS(pod)}
	if wsstream.IsWebSocketRequestWithTunnelingProtocol(r) {
		s.serveTunnel(w, r, func(w http.ResponseWriter, r *http.Request) {
			portforward.ServePortForward(w, r, fw, pod.Name, string(pod.UID), nil, s.cfg.IdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
		})
		return
	}
	var v4 *portforward.V4Options
	if wsstream.IsWebSocketRequest(r) {
		if v4, err = portforward.NewV4Options(r); err != nil {
			writeError(w, badRequest("%v", err))
			return
		}
	}
	portforward.ServePortForward(w, r, fw, pod.Name, string(pod.UID), v4, s.cfg.IdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// forwarder connects streams to 127.0.0.1:<port> inside a pod's network
// namespace ("" = the kubelet's own).
type forwarder struct{ netns string }

// PortForward implements portforward.PortForwarder: it copies both ways
// until both directions ended.
func (f forwarder) PortForward(ctx context.Context, _, _ string, port int32, stream io.ReadWriteCloser) error {
	if port <= 0 || port > 65535 {
		return fmt.Errorf("streaming: invalid port %d", port)
	}
	conn, err := dialIn(ctx, f.netns, net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return err
	}
	defer conn.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, err = io.Copy(stream, conn)
	_ = stream.Close()
	wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("streaming: port %d: %w", port, err)
	}
	return nil
}

// dialIn connects to addr from inside netns; the socket keeps its
// namespace after the thread leaves it.
func dialIn(ctx context.Context, netns, addr string) (net.Conn, error) {
	var d net.Dialer
	if netns == "" {
		return d.DialContext(ctx, "tcp4", addr)
	}
	var conn net.Conn
	err := network.Do(netns, func() error {
		var err error
		conn, err = d.DialContext(ctx, "tcp4", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("streaming: dial %s in %s: %w", addr, netns, err)
	}
	return conn, nil
}
