package cluster

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// egressProxy is the control plane's way to its nodes: an HTTP CONNECT
// proxy in the test process that the apiservers use for their kubelet
// connections (pods/log, exec, attach, port-forward, node proxy) through
// HTTPS_PROXY, as a real apiserver would use an egress proxy. The
// apiservers run in the host's network namespace, where the nodes'
// underlay addresses have no route: without it those connections would
// leave the machine through the default gateway. It only tunnels to the
// address of a node of this cluster, dialled from inside that node's
// namespace, and refuses everything else.
type egressProxy struct {
	ln    net.Listener
	srv   *http.Server
	mu    sync.Mutex
	nodes map[string]string // node IP → its network namespace
	conns connSet
}

// newEgressProxy listens on a free 127.0.0.1 port.
func newEgressProxy() (*egressProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cluster: egress proxy: %w", err)
	}
	p := &egressProxy{ln: ln, nodes: map[string]string{}, conns: newConnSet()}
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serveConnect), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// env is what a process needs to send its non-loopback HTTPS through the
// proxy (both spellings, so an inherited lowercase variable cannot win).
func (p *egressProxy) env() []string {
	u := "http://" + p.ln.Addr().String()
	return []string{"HTTPS_PROXY=" + u, "https_proxy=" + u, "HTTP_PROXY=" + u, "http_proxy=" + u,
		"NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost"}
}

// allow lets the proxy tunnel to ip, dialled inside network namespace ns.
func (p *egressProxy) allow(ip, ns string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nodes[ip] = ns
}

func (p *egressProxy) serveConnect(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		http.Error(w, "only CONNECT is proxied", http.StatusMethodNotAllowed)
		return
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	ns, ok := p.nodes[host]
	p.mu.Unlock()
	if !ok {
		http.Error(w, host+" is not a node of this cluster", http.StatusForbidden)
		return
	}
	var up net.Conn
	if err := inNetns(ns, func() (err error) {
		up, err = net.DialTimeout("tcp", r.Host, 10*time.Second)
		return err
	}); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	down, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		return
	}
	if _, err := fmt.Fprint(down, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		up.Close()
		down.Close()
		return
	}
	p.conns.pipeBoth(bufferedConn{down, buf.Reader}, up)
}

// close stops the proxy and cuts every tunnel.
func (p *egressProxy) close() {
	_ = p.srv.Close()
	p.conns.closeAll()
}

// bufferedConn reads what the hijacked connection's reader buffered first.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }
