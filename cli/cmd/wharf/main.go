// Command wharf is the Wharf command line, a kubectl work-alike.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/wharfhq/wharf/cli/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args, app.Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
