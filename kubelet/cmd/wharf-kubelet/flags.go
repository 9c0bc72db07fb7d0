package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/wharfhq/wharf/kubelet/internal/app"
)

// flags are the kubelet's command-line flags (upstream's names where
// upstream has the setting).
func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "kubeconfig", Usage: "kubeconfig file (default $KUBECONFIG or ~/.kube/config)"},
		&cli.StringFlag{Name: "node-name", Usage: "node name (default: hostname)"},
		&cli.StringFlag{Name: "root-dir", Value: "/var/lib/wharf-kubelet", Usage: "state directory (pods, netns, ipam)"},
		&cli.StringFlag{Name: "containerd-address", Value: "/run/containerd/containerd.sock", Usage: "containerd socket"},
		&cli.StringFlag{Name: "image-import-dir", Usage: "import every *.tar OCI/Docker archive found here at start"},
		&cli.StringSliceFlag{Name: "insecure-registry", Usage: "registry host:port to pull from over plain HTTP (repeatable)"},
		&cli.StringFlag{Name: "pod-cidr", Usage: "set spec.podCIDR when no node IPAM does"},
		&cli.IntFlag{Name: "network-mtu", Usage: "pod interface MTU (default: flannel's subnet.env or 1500)"},
		&cli.StringFlag{Name: "runtime", Value: "containerd", Usage: "containerd or fake (hollow node)"},
		&cli.StringFlag{Name: "node-ip", Usage: "InternalIP to report (default: detected)"},
		&cli.StringFlag{Name: "pod-netns", Usage: "network namespace file the pod bridge lives in (default: the kubelet's own; local clusters, benchmarks)"},
		&cli.StringFlag{Name: "cgroup-root", Value: "/wharf", Usage: "cgroup every pod is placed under"},
		&cli.StringFlag{Name: "kube-reserved", Usage: "resources reserved for Kubernetes daemons, e.g. cpu=100m,memory=256Mi,ephemeral-storage=1Gi"},
		&cli.StringFlag{Name: "system-reserved", Usage: "resources reserved for the OS, same syntax as --kube-reserved"},
		&cli.StringFlag{Name: "address", Value: "0.0.0.0", Usage: "address of the HTTPS kubelet server (logs, /pods, /healthz)"},
		&cli.IntFlag{Name: "port", Value: 10250, Usage: "port of the HTTPS kubelet server (negative: none)"},
		&cli.StringFlag{Name: "client-ca-file", Usage: "CA verifying clients of the kubelet server (default: the kubeconfig's CA)"},
		&cli.IntFlag{Name: "hollow-nodes", Usage: "run this many hollow nodes named <node-name>-<i> (implies --runtime=fake)"},
		&cli.StringFlag{Name: "eviction-hard", Usage: "hard eviction thresholds (default memory.available<100Mi,nodefs.available<10%)"},
		&cli.StringFlag{Name: "pod-manifest-path", Usage: "directory of static pod manifests (*.yaml, *.yml, *.json) the kubelet runs itself"},
		&cli.DurationFlag{Name: "file-check-frequency", Value: 20 * time.Second, Usage: "how often --pod-manifest-path is rescanned"},
		&cli.StringFlag{Name: "pod-logs-dir", Value: "/var/log/pods", Usage: "container logs directory (<ns>_<pod>_<uid>/<container>/<n>.log)"},
		&cli.StringFlag{Name: "container-log-max-size", Value: "10Mi", Usage: "size at which a container log file is rotated"},
		&cli.IntFlag{Name: "container-log-max-files", Value: 5, Usage: "log files kept per container, the current one included (at least 2)"},
	}
}

// options turns the flags into app.Options.
func options(c *cli.Context) (app.Options, error) {
	size, err := resource.ParseQuantity(c.String("container-log-max-size"))
	if err != nil || size.Value() <= 0 {
		return app.Options{}, fmt.Errorf("invalid --container-log-max-size %q", c.String("container-log-max-size"))
	}
	return app.Options{
		Kubeconfig:           c.String("kubeconfig"),
		NodeName:             c.String("node-name"),
		RootDir:              c.String("root-dir"),
		ContainerdAddress:    c.String("containerd-address"),
		ImageImportDir:       c.String("image-import-dir"),
		PodCIDR:              c.String("pod-cidr"),
		InsecureRegistries:   c.StringSlice("insecure-registry"),
		NetworkMTU:           c.Int("network-mtu"),
		Runtime:              c.String("runtime"),
		NodeIP:               c.String("node-ip"),
		CgroupRoot:           c.String("cgroup-root"),
		HostNetNS:            c.String("pod-netns"),
		KubeReserved:         c.String("kube-reserved"),
		SystemReserved:       c.String("system-reserved"),
		EvictionHard:         c.String("eviction-hard"),
		KubeletAddress:       c.String("address"),
		KubeletPort:          c.Int("port"),
		ClientCAFile:         c.String("client-ca-file"),
		PodManifestPath:      c.String("pod-manifest-path"),
		FileCheckFrequency:   c.Duration("file-check-frequency"),
		PodLogsDir:           c.String("pod-logs-dir"),
		ContainerLogMaxSize:  size.Value(),
		ContainerLogMaxFiles: c.Int("container-log-max-files"),
	}, nil
}
