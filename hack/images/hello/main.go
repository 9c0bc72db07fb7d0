// Command hello is the test image's server: it answers every HTTP request
// with "Hello OpenShift!", like the seeds' openshift/hello-openshift. It is
// built statically (CGO_ENABLED=0) into the `hello` image by package images.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	listen := flag.String("listen", ":8080", "address to serve on")
	flag.Parse()
	msg := "Hello OpenShift!"
	if m := os.Getenv("RESPONSE"); m != "" {
		msg = m
	}
	http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, msg)
	})
	log.Printf("serving on %s", *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}
