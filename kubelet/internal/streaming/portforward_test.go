package streaming

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	gwebsocket "github.com/gorilla/websocket"
	pfconst "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/streaming/pkg/httpstream"
	"k8s.io/streaming/pkg/httpstream/spdy"
)

// forwardEcho opens a port-forward stream pair for port on conn and
// checks that bytes come back from the echo server behind it.
func forwardEcho(t *testing.T, conn httpstream.Connection, port int) {
	t.Helper()
	h := http.Header{}
	h.Set("port", strconv.Itoa(port))
	h.Set("requestID", "0")
	h.Set("streamType", "error")
	errStream, err := conn.CreateStream(h)
	if err != nil {
		t.Fatalf("error stream: %v", err)
	}
	defer errStream.Close()
	h.Set("streamType", "data")
	data, err := conn.CreateStream(h)
	if err != nil {
		t.Fatalf("data stream: %v", err)
	}
	defer data.Close()
	if _, err := data.Write([]byte("ping through the pod")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("ping through the pod"))
	if _, err := io.ReadFull(data, buf); err != nil || string(buf) != "ping through the pod" {
		t.Errorf("echo = %q, %v", buf, err)
	}
}

func TestPortForwardSPDY(t *testing.T) {
	srv, port := testServer(t), echoServer(t)
	rt, err := spdy.NewRoundTripper(nil)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/portForward/default/p", nil)
	req.Header.Set(httpstream.HeaderProtocolVersion, pfconst.PortForwardV1Name)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := rt.NewConnection(resp)
	if err != nil {
		t.Fatalf("SPDY upgrade: %v", err)
	}
	defer conn.Close()
	forwardEcho(t, conn, port)
}

// TestPortForwardTunnel speaks what kubectl v1.37 sends first: SPDY
// inside binary websocket messages, subprotocol SPDY/3.1+portforward.k8s.io.
func TestPortForwardTunnel(t *testing.T) {
	srv, port := testServer(t), echoServer(t)
	d := gwebsocket.Dialer{Subprotocols: []string{pfconst.WebsocketsSPDYTunnelingPortForwardV1}}
	ws, resp, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/portForward/default/p", nil)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	if ws.Subprotocol() != pfconst.WebsocketsSPDYTunnelingPortForwardV1 {
		t.Fatalf("negotiated %q", ws.Subprotocol())
	}
	conn, err := spdy.NewClientConnection(&wsConn{ws: ws})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	forwardEcho(t, conn, port)
	forwardEcho(t, conn, port) // a second request on the same tunnel
}

func TestPortForwardRefusedPort(t *testing.T) {
	srv := testServer(t)
	d := gwebsocket.Dialer{Subprotocols: []string{pfconst.WebsocketsSPDYTunnelingPortForwardV1}}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/portForward/default/p", nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := spdy.NewClientConnection(&wsConn{ws: ws})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := http.Header{}
	h.Set("port", "1")
	h.Set("requestID", "0")
	h.Set("streamType", "error")
	errStream, err := conn.CreateStream(h)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("streamType", "data")
	if _, err := conn.CreateStream(h); err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(errStream)
	if !strings.Contains(string(msg), "127.0.0.1:1") {
		t.Errorf("error stream = %q, want the dial error for port 1", msg)
	}
}
