// Command wharf-images writes Wharf's test images (hello.tar, tools.tar) as
// OCI image-layout tarballs into a directory, ready for the kubelet's
// --image-import-dir or `ctr images import`:
//
//	wharf-images [DIR]                     (default _output/images)
//	wharf-images push REF [--insecure] [--basic-auth USER:PASS]
//	                                       push the tools image to a registry
//
// Components' tests run it as a program rather than importing hack, so
// no component depends on another module than proto.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/wharfhq/wharf/hack/images"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "wharf-images:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "push" {
		if len(args) < 2 {
			return fmt.Errorf("usage: wharf-images push REF [--insecure] [--basic-auth USER:PASS]")
		}
		insecure, user, pass := false, "", ""
		for i := 2; i < len(args); i++ {
			switch {
			case args[i] == "--insecure":
				insecure = true
			case args[i] == "--basic-auth" && i+1 < len(args):
				i++
				user, pass, _ = strings.Cut(args[i], ":")
			default:
				return fmt.Errorf("push: unknown argument %q", args[i])
			}
		}
		bb, err := images.BusyboxPath()
		if err != nil {
			return err
		}
		img, err := images.Tools(ctx, bb)
		if err != nil {
			return err
		}
		return images.PushAuth(ctx, args[1], img, insecure, user, pass)
	}
	out := "_output/images"
	if len(args) > 0 {
		out = args[0]
	}
	paths, err := images.Build(ctx, out)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Println(p)
	}
	return nil
}
