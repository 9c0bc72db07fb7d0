package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gwebsocket "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	rcconst "k8s.io/apimachinery/pkg/util/remotecommand"
	utilexec "k8s.io/utils/exec"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

type fakePods []*corev1.Pod

func (f fakePods) Pods() []*corev1.Pod { return f }

// fakeRuntime runs "commands" in Go: cat echoes stdin; exit N returns N
// after writing to both outputs; size writes the first terminal size.
type fakeRuntime struct{}

func (fakeRuntime) ListContainers(_ context.Context, sel map[string]string) ([]runtime.Container, error) {
	if sel[runtime.LabelPodUID] != "u1" {
		return nil, nil
	}
	var out []runtime.Container
	for _, c := range []runtime.Container{
		{ID: "old", Name: "c", Attempt: 0, State: runtime.StateExited},
		{ID: "cid", Name: "c", Attempt: 1, State: runtime.StateRunning},
		{ID: "gone", Name: "stopped", State: runtime.StateExited},
	} {
		if c.Name == sel[runtime.LabelContainer] {
			out = append(out, c)
		}
	}
	return out, nil
}

func (fakeRuntime) ExecStream(ctx context.Context, id string, cmd []string, sio runtime.StreamIO) (int, error) {
	if id != "cid" {
		return -1, fmt.Errorf("wrong container %q", id)
	}
	switch cmd[0] {
	case "cat":
		_, err := io.Copy(sio.Stdout, sio.Stdin)
		return 0, err
	case "exit":
		fmt.Fprint(sio.Stdout, "to stdout")
		fmt.Fprint(sio.Stderr, "to stderr")
		var code int
		fmt.Sscan(cmd[1], &code)
		return code, nil
	case "size":
		select {
		case sz := <-sio.Resize:
			fmt.Fprintf(sio.Stdout, "%dx%d tty=%v", sz.Width, sz.Height, sio.TTY)
		case <-ctx.Done():
		}
		return 0, nil
	}
	return -1, errors.New("no such command")
}

// Attach writes two chunks of "output" and returns, as a container
// exiting would end it.
func (fakeRuntime) Attach(_ context.Context, id string, sio runtime.StreamIO) error {
	if id != "cid" {
		return fmt.Errorf("wrong container %q", id)
	}
	fmt.Fprint(sio.Stdout, "live ")
	fmt.Fprint(sio.Stdout, "output")
	fmt.Fprint(sio.Stderr, "warn")
	return nil
}

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p", UID: types.UID("u1")},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}, {Name: "stopped"}}}}
	s := New(Config{Pods: fakePods{pod}, Runtime: fakeRuntime{}})
	mux := http.NewServeMux()
	for p, h := range s.Routes() {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAttachV5(t *testing.T) {
	srv := testServer(t)
	got := v5Session(t, srv, "/attach/default/p/c?output=1&error=1")
	if got[rcconst.StreamStdOut] != "live output" || got[rcconst.StreamStdErr] != "warn" {
		t.Errorf("streams = %q", got)
	}
	if st := decodeStatus(t, got[rcconst.StreamErr]); st.Status != metav1.StatusSuccess {
		t.Errorf("status = %+v", st)
	}
}

// v5Session dials exec (or the path given instead of a query) with the
// v5 protocol and returns each stream's bytes once the server closed the
// connection.
func v5Session(t *testing.T, srv *httptest.Server, query string, send ...[]byte) map[byte]string {
	t.Helper()
	path := query
	if !strings.HasPrefix(path, "/") {
		path = "/exec/default/p/c?" + query
	}
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + path
	d := gwebsocket.Dialer{Subprotocols: []string{rcconst.StreamProtocolV5Name}}
	ws, resp, err := d.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v (%v)", u, err, resp)
	}
	defer ws.Close()
	if ws.Subprotocol() != rcconst.StreamProtocolV5Name {
		t.Fatalf("negotiated %q", ws.Subprotocol())
	}
	for _, m := range send {
		if err := ws.WriteMessage(gwebsocket.BinaryMessage, m); err != nil {
			t.Fatal(err)
		}
	}
	got := map[byte]string{}
	for {
		_, m, err := ws.ReadMessage()
		if err != nil {
			return got
		}
		if len(m) > 0 {
			got[m[0]] += string(m[1:])
		}
	}
}

func decodeStatus(t *testing.T, s string) metav1.Status {
	t.Helper()
	var st metav1.Status
	if err := json.Unmarshal([]byte(s), &st); err != nil {
		t.Fatalf("error stream %q: %v", s, err)
	}
	return st
}

func TestExecV5StdinCloseAndExitCode(t *testing.T) {
	srv := testServer(t)
	got := v5Session(t, srv, "command=cat&input=1&output=1&error=1",
		append([]byte{rcconst.StreamStdIn}, "hello\n"...), []byte{rcconst.StreamClose, rcconst.StreamStdIn})
	if got[rcconst.StreamStdOut] != "hello\n" {
		t.Errorf("stdout = %q, want stdin echoed back after the close signal", got[rcconst.StreamStdOut])
	}
	if st := decodeStatus(t, got[rcconst.StreamErr]); st.Status != metav1.StatusSuccess {
		t.Errorf("status = %+v", st)
	}

	got = v5Session(t, srv, "command=exit&command=42&output=1&error=1")
	st := decodeStatus(t, got[rcconst.StreamErr])
	if got[rcconst.StreamStdOut] != "to stdout" || got[rcconst.StreamStdErr] != "to stderr" {
		t.Errorf("streams = %q", got)
	}
	if st.Reason != rcconst.NonZeroExitCodeReason || st.Details == nil || len(st.Details.Causes) != 1 ||
		st.Details.Causes[0].Type != rcconst.ExitCodeCauseType || st.Details.Causes[0].Message != "42" {
		t.Errorf("status = %+v, want NonZeroExitCode with cause ExitCode 42", st)
	}
}

func TestExecV5TTYResize(t *testing.T) {
	srv := testServer(t)
	got := v5Session(t, srv, "command=size&input=1&output=1&tty=1",
		append([]byte{rcconst.StreamResize}, `{"Width":120,"Height":40}`...))
	if got[rcconst.StreamStdOut] != "120x40 tty=true" {
		t.Errorf("stdout = %q", got[rcconst.StreamStdOut])
	}
}

func TestExecErrors(t *testing.T) {
	srv := testServer(t)
	for _, tc := range []struct {
		path string
		code int
		msg  string
	}{
		{"/exec/default/nope/c?command=ls&output=1", 404, "pod default/nope not found"},
		{"/exec/default/p/x?command=ls&output=1", 400, "container x is not valid"},
		{"/exec/default/p/stopped?command=ls&output=1", 400, "is not running"},
		{"/exec/default/p/c?output=1", 400, "at least one command"},
		{"/exec/default/p/c?command=ls", 400, "at least 1 of stdin, stdout, stderr"},
		{"/portForward/default/nope", 404, "not found"},
		{"/attach/default/p/c?input=1&output=1", 400, "no stdin or terminal to attach to"},
	} {
		resp, err := http.Post(srv.URL+tc.path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		var st metav1.Status
		_ = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if resp.StatusCode != tc.code || int(st.Code) != tc.code || !strings.Contains(st.Message, tc.msg) {
			t.Errorf("%s: %d %+v, want %d with %q", tc.path, resp.StatusCode, st, tc.code, tc.msg)
		}
	}
}

// TestExecutorExitError checks the adapter cri-streaming's SPDY path
// uses: a non-zero exit becomes an ExitError with the code.
func TestExecutorExitError(t *testing.T) {
	ex := executor{rt: fakeRuntime{}, id: "cid"}
	var out, errOut strings.Builder
	err := ex.ExecInContainer(t.Context(), "p", "u1", "c", []string{"exit", "7"}, nil, nopCloser{&out}, nopCloser{&errOut}, false, nil, 0)
	var ee utilexec.ExitError
	if !errors.As(err, &ee) || ee.ExitStatus() != 7 || out.String() != "to stdout" || errOut.String() != "to stderr" {
		t.Errorf("ExecInContainer = %v (%q, %q), want exit status 7", err, out.String(), errOut.String())
	}
	if err := ex.ExecInContainer(t.Context(), "p", "u1", "c", []string{"exit", "0"}, nil, nopCloser{&out}, nopCloser{&errOut}, false, nil, 0); err != nil {
		t.Errorf("exit 0 = %v", err)
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// echoServer accepts connections on 127.0.0.1 and echoes them back.
func echoServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// hangRuntime's exec runs until its context ends, and says so.
type hangRuntime struct {
	fakeRuntime
	ended chan struct{}
}

func (h hangRuntime) ExecStream(ctx context.Context, _ string, _ []string, _ runtime.StreamIO) (int, error) {
	<-ctx.Done()
	close(h.ended)
	return -1, ctx.Err()
}

// TestExecV5ClientGone: a command that reads no stdin and writes nothing
// is ended when its client's connection goes away (the request's context
// ends with the connection).
func TestExecV5ClientGone(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "p", UID: types.UID("u1")},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}}
	rt := hangRuntime{ended: make(chan struct{})}
	s := New(Config{Pods: fakePods{pod}, Runtime: rt})
	mux := http.NewServeMux()
	for p, h := range s.Routes() {
		mux.HandleFunc(p, h)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	d := gwebsocket.Dialer{Subprotocols: []string{rcconst.StreamProtocolV5Name}}
	ws, _, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/exec/default/p/c?command=sleep&output=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.ReadMessage(); err != nil { // the streams-ready message
		t.Fatal(err)
	}
	ws.UnderlyingConn().Close()
	select {
	case <-rt.ended:
	case <-time.After(30 * time.Second):
		t.Fatal("the command still runs 30s after its client went away")
	}
}
