package probes

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/wharfhq/wharf/kubelet/internal/network"
)

// Target is where a probe runs.
type Target struct {
	PodIP string
	// NetNS is the pod's network namespace file ("" = the kubelet's).
	NetNS       string
	ContainerID string
	Container   *corev1.Container
	// Exec runs cmd in the container and returns its exit code.
	Exec func(ctx context.Context, id string, cmd []string) (int, error)
}

// Do runs probe p once against t and returns nil on success.
func Do(ctx context.Context, p *corev1.Probe, t Target) error {
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch h := p.ProbeHandler; {
	case h.Exec != nil:
		code, err := t.Exec(ctx, t.ContainerID, h.Exec.Command)
		if err != nil {
			return fmt.Errorf("exec %v: %w", h.Exec.Command, err)
		}
		if code != 0 {
			return fmt.Errorf("command %v exited with %d", h.Exec.Command, code)
		}
		return nil
	case h.HTTPGet != nil:
		return httpProbe(ctx, h.HTTPGet, t)
	case h.TCPSocket != nil:
		port, err := resolvePort(h.TCPSocket.Port, t.Container)
		if err != nil {
			return err
		}
		conn, err := dial(ctx, t.NetNS, net.JoinHostPort(host(h.TCPSocket.Host, t), strconv.Itoa(port)))
		if err != nil {
			return err
		}
		return conn.Close()
	case h.GRPC != nil:
		return grpcProbe(ctx, h.GRPC, t)
	}
	return fmt.Errorf("probe has no handler")
}

func host(h string, t Target) string {
	if h != "" {
		return h
	}
	return t.PodIP
}

// dial connects to addr from inside netns; the socket keeps its namespace
// after the thread leaves it.
func dial(ctx context.Context, netns, addr string) (net.Conn, error) {
	var d net.Dialer
	if netns == "" {
		return d.DialContext(ctx, "tcp", addr)
	}
	var conn net.Conn
	err := network.Do(netns, func() error {
		c, err := d.DialContext(ctx, "tcp", addr)
		conn = c
		return err
	})
	return conn, err
}

func httpProbe(ctx context.Context, g *corev1.HTTPGetAction, t Target) error {
	port, err := resolvePort(g.Port, t.Container)
	if err != nil {
		return err
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	addr := net.JoinHostPort(host(g.Host, t), strconv.Itoa(port))
	u := &url.URL{Scheme: scheme, Host: addr, Path: g.Path}
	if i := strings.IndexByte(g.Path, '?'); i >= 0 {
		u.Path, u.RawQuery = g.Path[:i], g.Path[i+1:]
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/1.37")
	for _, h := range g.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	tr := &http.Transport{
		DialContext:       func(ctx context.Context, _, a string) (net.Conn, error) { return dial(ctx, t.NetNS, a) },
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as upstream: probes do not verify
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.CopyN(io.Discard, resp.Body, 10<<10)
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return nil
}

func grpcProbe(ctx context.Context, g *corev1.GRPCAction, t Target) error {
	addr := net.JoinHostPort(t.PodIP, strconv.Itoa(int(g.Port)))
	conn, err := grpc.DialContext(ctx, addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) { return dial(ctx, t.NetNS, a) }))
	if err != nil {
		return fmt.Errorf("grpc dial %s: %w", addr, err)
	}
	defer conn.Close()
	svc := ""
	if g.Service != nil {
		svc = *g.Service
	}
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
	if err != nil {
		return fmt.Errorf("grpc health check: %w", err)
	}
	if resp.Status != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("service unhealthy (responded with %q)", resp.Status)
	}
	return nil
}

// resolvePort turns a number or a container port name into a number.
func resolvePort(p intstr.IntOrString, c *corev1.Container) (int, error) {
	if p.Type == intstr.Int {
		if p.IntVal < 1 || p.IntVal > 65535 {
			return 0, fmt.Errorf("invalid port %d", p.IntVal)
		}
		return int(p.IntVal), nil
	}
	if c != nil {
		for _, cp := range c.Ports {
			if cp.Name == p.StrVal {
				return int(cp.ContainerPort), nil
			}
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil && n > 0 && n < 65536 {
		return n, nil
	}
	return 0, fmt.Errorf("port %q not found in container", p.StrVal)
}
