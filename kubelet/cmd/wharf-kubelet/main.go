// Command wharf-kubelet is Wharf's node agent: it registers the node, runs
// the pods bound to it on containerd and wires them into the pod network.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/wharfhq/wharf/kubelet/internal/app"
	"github.com/wharfhq/wharf/kubelet/internal/hollow"
)

func main() {
	cliApp := &cli.App{
		Name:  "wharf-kubelet",
		Usage: "run the pods bound to this node on containerd",
		Flags: []cli.Flag{
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
		},
		Action: func(c *cli.Context) error {
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			if n := c.Int("hollow-nodes"); n > 0 {
				return hollow.Run(ctx, hollow.Config{Kubeconfig: c.String("kubeconfig"), Count: n, Prefix: c.String("node-name") + "-", RootDir: c.String("root-dir")})
			}
			return app.Run(ctx, app.Options{
				Kubeconfig:         c.String("kubeconfig"),
				NodeName:           c.String("node-name"),
				RootDir:            c.String("root-dir"),
				ContainerdAddress:  c.String("containerd-address"),
				ImageImportDir:     c.String("image-import-dir"),
				PodCIDR:            c.String("pod-cidr"),
				InsecureRegistries: c.StringSlice("insecure-registry"),
				NetworkMTU:         c.Int("network-mtu"),
				Runtime:            c.String("runtime"),
				NodeIP:             c.String("node-ip"),
				CgroupRoot:         c.String("cgroup-root"),
				HostNetNS:          c.String("pod-netns"),
				KubeReserved:       c.String("kube-reserved"),
				SystemReserved:     c.String("system-reserved"),
				EvictionHard:       c.String("eviction-hard"),
				KubeletAddress:     c.String("address"),
				KubeletPort:        c.Int("port"),
				ClientCAFile:       c.String("client-ca-file"),
			})
		},
	}
	if err := cliApp.RunContext(context.Background(), os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "wharf-kubelet:", err)
		os.Exit(1)
	}
}
