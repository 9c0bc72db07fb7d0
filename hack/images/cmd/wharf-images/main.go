// Command wharf-images writes Wharf's test images (hello.tar, tools.tar) as
// OCI image-layout tarballs into a directory, ready for the kubelet's
// --image-import-dir or `ctr images import`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/wharfhq/wharf/hack/images"
)

func main() {
	out := "_output/images"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	paths, err := images.Build(ctx, out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
