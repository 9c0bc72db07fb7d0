package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/streaming/pkg/httpstream"
)

func portForwardCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name: "port-forward", Usage: "Forward one or more local ports to a pod", ArgsUsage: "POD [LOCAL_PORT:]REMOTE_PORT [...]",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "address", Value: cli.NewStringSlice("localhost"), Usage: "addresses to listen on (localhost, 127.0.0.1, ::1 or an IP)"},
		},
		Action: func(c *cli.Context) error { return runPortForward(c.Context, env, c) },
	}
}

// runPortForward listens on the local ports and forwards each connection
// through pods/portforward until interrupted: SPDY tunneled in a
// websocket first, plain SPDY when the server cannot upgrade to it.
func runPortForward(ctx context.Context, env *Env, c *cli.Context) error {
	if c.NArg() < 2 {
		return usageError("expected POD and at least one [LOCAL_PORT:]REMOTE_PORT")
	}
	ports := c.Args().Slice()[1:]
	if err := checkPorts(ports); err != nil {
		return usageError(err.Error())
	}
	pod, err := env.runningPod(ctx, c, c.Args().First())
	if err != nil {
		return err
	}
	u, err := env.subresourceURL(c, pod.Name, "portforward", url.Values{})
	if err != nil {
		return err
	}
	cfg, err := env.restConfig(c)
	if err != nil {
		return err
	}
	dialer, err := forwardDialer(cfg, u)
	if err != nil {
		return err
	}
	fw, err := portforward.NewOnAddressesForStreamingWithContext(ctx, dialer, c.StringSlice("address"), ports, nil, env.Out, env.Err)
	if err != nil {
		return err
	}
	if err := fw.ForwardPorts(); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// forwardDialer is kubectl's: the websocket tunnel, falling back to SPDY.
func forwardDialer(cfg *rest.Config, u *url.URL) (httpstream.Dialer, error) {
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	spdyDialer := spdy.NewDialerForStreaming(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)
	tunnel, err := portforward.NewSPDYOverWebsocketDialerForStreaming(u, cfg)
	if err != nil {
		return nil, err
	}
	return portforward.NewFallbackDialerForStreaming(tunnel, spdyDialer, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	}), nil
}

// checkPorts validates [LOCAL:]REMOTE specifications before connecting.
func checkPorts(specs []string) error {
	for _, s := range specs {
		parts := strings.Split(s, ":")
		if len(parts) > 2 {
			return fmt.Errorf("invalid port format %q: want [LOCAL_PORT:]REMOTE_PORT", s)
		}
		remote := parts[len(parts)-1]
		if n, err := strconv.ParseUint(remote, 10, 16); err != nil || n == 0 {
			return fmt.Errorf("invalid remote port %q in %q: must be between 1 and 65535", remote, s)
		}
		if len(parts) == 2 && parts[0] != "" {
			if _, err := strconv.ParseUint(parts[0], 10, 16); err != nil {
				return fmt.Errorf("invalid local port %q in %q: must be between 0 and 65535", parts[0], s)
			}
		}
	}
	return nil
}
