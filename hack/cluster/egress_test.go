package cluster

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"testing"
)

// TestEgressProxyRefusesNonNodes: the proxy tunnels only to addresses of
// the cluster's nodes, so nothing the apiservers dial can leave the machine.
func TestEgressProxyRefusesNonNodes(t *testing.T) {
	p, err := newEgressProxy()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	p.allow("10.250.0.11", "wharf-ht-none")
	for _, tc := range []struct {
		method, target string
		want           int
	}{
		{http.MethodConnect, "192.0.2.1:443", http.StatusForbidden},
		{http.MethodConnect, "10.250.0.12:10250", http.StatusForbidden},
		{http.MethodConnect, "no-port", http.StatusBadRequest},
		{http.MethodGet, "/", http.StatusMethodNotAllowed},
		// allowed address, but its namespace does not exist: nothing dialled
		{http.MethodConnect, "10.250.0.11:10250", http.StatusBadGateway},
	} {
		conn, err := net.Dial("tcp", p.ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		host := tc.target
		if tc.method != http.MethodConnect {
			host = "10.250.0.11:10250"
		}
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\n\r\n", tc.method, tc.target, host)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.target, err)
		}
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.target, resp.StatusCode, tc.want)
		}
	}
}
