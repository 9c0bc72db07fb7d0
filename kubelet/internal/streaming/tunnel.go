package streaming

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	gwebsocket "github.com/gorilla/websocket"
	pfconst "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// serveTunnel accepts a websocket whose subprotocol is
// "SPDY/3.1+<protocol>" and serves spdyHandler over it, as if the client
// had asked for a SPDY upgrade: the SPDY frames travel in binary
// websocket messages (client-go's tools/portforward tunneling dialer).
func (s *Server) serveTunnel(w http.ResponseWriter, r *http.Request, spdyHandler http.HandlerFunc) {
	var offered []string
	for _, p := range gwebsocket.Subprotocols(r) {
		if strings.HasPrefix(p, pfconst.WebsocketsSPDYTunnelingPrefix) && strings.HasSuffix(p, pfconst.KubernetesSuffix) {
			offered = append(offered, p)
		}
	}
	up := gwebsocket.Upgrader{Subprotocols: offered, CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil { // Upgrade has answered the client
		s.cfg.Log.WarnContext(r.Context(), "tunnel upgrade failed", "path", r.URL.Path, "err", err)
		return
	}
	conn := &wsConn{ws: ws}
	defer conn.Close()
	spdyReq := r.Clone(r.Context())
	spdyReq.Method, spdyReq.Body = http.MethodPost, http.NoBody
	for _, h := range []string{wsstream.WebSocketProtocolHeader, "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions"} {
		spdyReq.Header.Del(h)
	}
	spdyReq.Header.Set(httpstream.HeaderConnection, httpstream.HeaderUpgrade)
	spdyReq.Header.Set(httpstream.HeaderUpgrade, spdy.HeaderSpdy31)
	spdyReq.Header.Set(httpstream.HeaderProtocolVersion, strings.TrimPrefix(ws.Subprotocol(), pfconst.WebsocketsSPDYTunnelingPrefix))
	spdyHandler(&tunnelWriter{conn: conn, header: http.Header{}}, spdyReq)
}

// tunnelWriter is the http.ResponseWriter the SPDY upgrader sees: its
// 101 goes nowhere (the websocket handshake already answered) and Hijack
// hands over the tunnel.
type tunnelWriter struct {
	conn     net.Conn
	header   http.Header
	hijacked bool
}

func (t *tunnelWriter) Header() http.Header { return t.header }

func (t *tunnelWriter) WriteHeader(int) {}

// Write drops a body the handler writes instead of upgrading (a
// handshake error): the tunnel only carries SPDY frames.
func (t *tunnelWriter) Write(p []byte) (int, error) { return len(p), nil }

func (t *tunnelWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if t.hijacked {
		return nil, nil, errors.New("streaming: tunnel already hijacked")
	}
	t.hijacked = true
	return t.conn, bufio.NewReadWriter(bufio.NewReader(t.conn), bufio.NewWriter(t.conn)), nil
}

// wsConn is a net.Conn over a websocket's binary messages.
type wsConn struct {
	ws      *gwebsocket.Conn
	readMu  sync.Mutex
	cur     io.Reader
	writeMu sync.Mutex
	once    sync.Once
}

func (c *wsConn) Read(p []byte) (int, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	for {
		if c.cur == nil {
			typ, r, err := c.ws.NextReader()
			if err != nil {
				if gwebsocket.IsCloseError(err, gwebsocket.CloseNormalClosure) {
					return 0, io.EOF
				}
				return 0, err
			}
			if typ != gwebsocket.BinaryMessage {
				continue
			}
			c.cur = r
		}
		n, err := c.cur.Read(p)
		if errors.Is(err, io.EOF) {
			c.cur = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (c *wsConn) Write(p []byte) (int, error) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if err := c.ws.WriteMessage(gwebsocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close sends a normal close frame (best effort) and closes the socket.
func (c *wsConn) Close() error {
	var err error
	c.once.Do(func() {
		msg := gwebsocket.FormatCloseMessage(gwebsocket.CloseNormalClosure, "")
		_ = c.ws.WriteControl(gwebsocket.CloseMessage, msg, time.Now().Add(time.Second))
		err = c.ws.Close()
	})
	return err
}

func (c *wsConn) LocalAddr() net.Addr                { return c.ws.LocalAddr() }
func (c *wsConn) RemoteAddr() net.Addr               { return c.ws.RemoteAddr() }
func (c *wsConn) SetReadDeadline(t time.Time) error  { return c.ws.SetReadDeadline(t) }
func (c *wsConn) SetWriteDeadline(t time.Time) error { return c.ws.SetWriteDeadline(t) }
func (c *wsConn) SetDeadline(t time.Time) error {
	return errors.Join(c.ws.SetReadDeadline(t), c.ws.SetWriteDeadline(t))
}
