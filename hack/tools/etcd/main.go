// Command etcd is upstream etcd's server (go.etcd.io/etcd/server/v3 etcdmain),
// built from this workspace so that the cluster harness and local-up.sh can
// run a real multi-member etcd cluster without downloading a release. It takes
// etcd's own flags (--name, --initial-cluster, --listen-client-urls, ...).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
