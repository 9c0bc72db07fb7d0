// Command hello is the test image's server: it answers every HTTP request
// with "Hello OpenShift!", like the seeds' openshift/hello-openshift. It is
// built statically (CGO_ENABLED=0) into the `hello` image by package images.
// It exits cleanly on SIGTERM (it runs as PID 1 in its container).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	listen := flag.String("listen", ":8080", "address to serve on")
	flag.Parse()
	msg := "Hello OpenShift!"
	if m := os.Getenv("RESPONSE"); m != "" {
		msg = m
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, msg)
	})
	srv := &http.Server{Addr: *listen, Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	log.Printf("serving on %s", *listen)
	if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
