// Command kubectl is upstream kubectl built from k8s.io/kubectl source. The
// compatibility tests in hack/kubectl build it to drive a Wharf apiserver with
// the real client rather than whatever binary happens to be installed.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
)

func main() {
	os.Exit(cli.Run(cmd.NewDefaultKubectlCommand()))
}
