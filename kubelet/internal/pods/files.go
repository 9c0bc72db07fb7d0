package pods

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// hostname is the pod's hostname: spec.hostname or its name, at most 63
// bytes.
func hostname(pod *corev1.Pod) string {
	h := pod.Spec.Hostname
	if h == "" {
		h = pod.Name
	}
	if len(h) > 63 {
		h = strings.TrimRight(h[:63], "-.")
	}
	return h
}

// hostsFile renders /etc/hosts for a pod.
func hostsFile(pod *corev1.Pod, podIP string) string {
	var b strings.Builder
	b.WriteString("# Kubernetes-managed hosts file (wharf-kubelet).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	if podIP != "" {
		name := hostname(pod)
		if pod.Spec.Subdomain != "" {
			fmt.Fprintf(&b, "%s\t%s.%s.%s.svc.cluster.local\t%s\n", podIP, name, pod.Spec.Subdomain, pod.Namespace, name)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", podIP, name)
		}
	}
	for _, h := range pod.Spec.HostAliases {
		fmt.Fprintf(&b, "%s\t%s\n", h.IP, strings.Join(h.Hostnames, "\t"))
	}
	return b.String()
}

// resolvConf renders /etc/resolv.conf: the node's (hostResolv) plus the
// pod's dnsConfig, or only dnsConfig for dnsPolicy None.
func resolvConf(pod *corev1.Pod, hostResolv string) string {
	var b strings.Builder
	if pod.Spec.DNSPolicy != corev1.DNSNone {
		b.WriteString(hostResolv)
		if hostResolv != "" && !strings.HasSuffix(hostResolv, "\n") {
			b.WriteByte('\n')
		}
	}
	if c := pod.Spec.DNSConfig; c != nil {
		for _, ns := range c.Nameservers {
			fmt.Fprintf(&b, "nameserver %s\n", ns)
		}
		if len(c.Searches) > 0 {
			fmt.Fprintf(&b, "search %s\n", strings.Join(c.Searches, " "))
		}
		var opts []string
		for _, o := range c.Options {
			if o.Value != nil {
				opts = append(opts, o.Name+":"+*o.Value)
			} else {
				opts = append(opts, o.Name)
			}
		}
		if len(opts) > 0 {
			fmt.Fprintf(&b, "options %s\n", strings.Join(opts, " "))
		}
	}
	return b.String()
}

// writePodFiles writes etc-hosts, resolv.conf and hostname into dir and
// returns the mounts that put them into every container.
func writePodFiles(dir string, pod *corev1.Pod, podIP, hostResolv string) ([]runtime.Mount, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pod dir: %w", err)
	}
	files := []struct{ name, dest, data string }{
		{"etc-hosts", "/etc/hosts", hostsFile(pod, podIP)},
		{"resolv.conf", "/etc/resolv.conf", resolvConf(pod, hostResolv)},
		{"hostname", "/etc/hostname", hostname(pod) + "\n"},
	}
	var mounts []runtime.Mount
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.data), 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.name, err)
		}
		mounts = append(mounts, runtime.Mount{Source: p, Destination: f.dest})
	}
	return mounts, nil
}
