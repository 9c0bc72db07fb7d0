package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/logserver"
	"github.com/wharfhq/wharf/kubelet/internal/node"
	"github.com/wharfhq/wharf/kubelet/internal/pods"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
	"github.com/wharfhq/wharf/kubelet/internal/streaming"
	"github.com/wharfhq/wharf/proto/client"
)

// kubeletPort is the server's port: the flag, else 10250 (none for
// hollow nodes, which share one host).
func (o Options) kubeletPort() int {
	switch {
	case o.KubeletPort != 0:
		return o.KubeletPort
	case o.Runtime == "fake":
		return -1
	}
	return 10250
}

// serve starts the HTTPS kubelet server (logs, exec, portForward, /pods,
// /healthz) unless the port is negative; the returned channel closes when
// it stopped.
func (o Options) serve(ctx context.Context, c *client.Client, m node.Machine, ctl *pods.Controller, rt runtime.Runtime) (<-chan struct{}, error) {
	done := make(chan struct{})
	if o.kubeletPort() < 0 {
		close(done)
		return done, nil
	}
	cas, err := o.clientCAs(c)
	if err != nil {
		return nil, err
	}
	hosts := []string{o.NodeName, "localhost", "127.0.0.1"}
	for _, a := range m.Addresses {
		hosts = append(hosts, a.Address)
	}
	addr := o.KubeletAddress
	if addr == "" {
		addr = "0.0.0.0"
	}
	stream := streaming.New(streaming.Config{Pods: ctl, Runtime: rt, NetNS: o.podNetNS, Log: o.Log})
	srv, err := logserver.Listen(logserver.Config{Addr: net.JoinHostPort(addr, strconv.Itoa(o.kubeletPort())), ClientCAs: cas, Hosts: hosts,
		Source: ctl, Routes: stream.Routes(), Log: o.Log})
	if err != nil {
		return nil, fmt.Errorf("kubelet: %w", err)
	}
	go func() {
		defer close(done)
		if err := srv.Serve(ctx); err != nil {
			o.Log.ErrorContext(ctx, "kubelet server", "err", err)
		}
	}()
	o.Log.InfoContext(ctx, "kubelet server listening", "addr", srv.Addr().String())
	return done, nil
}

// podNetNS is the network namespace file of a pod's sandbox (as
// network.Manager names it); hostNetwork pods share containerd's, which
// is --host-netns when given, else the kubelet's own ("").
func (o Options) podNetNS(pod *corev1.Pod) string {
	if pod.Spec.HostNetwork {
		return o.HostNetNS
	}
	return filepath.Join(o.RootDir, "netns", string(pod.UID))
}

// clientCAs is --client-ca-file, else the CA the kubeconfig trusts (the
// cluster CA that signs the apiserver's kubelet-client certificate).
func (o Options) clientCAs(c *client.Client) (*x509.CertPool, error) {
	pem := c.Config().CAData
	if o.ClientCAFile != "" {
		b, err := os.ReadFile(o.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("kubelet: client CA: %w", err)
		}
		pem = b
	}
	if len(pem) == 0 {
		return nil, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("kubelet: client CA: no certificates")
	}
	return pool, nil
}
