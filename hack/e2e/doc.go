// Package e2e holds the end-to-end tests of a whole Wharf cluster;
// hack/test.sh runs them with the hack module (a few minutes):
//
//	go test ./hack/e2e/
//
// Each test starts a real cluster with hack/cluster (etcd,
// TLS+RBAC apiservers, scheduler, controller-manager, and per node its own
// network namespace with containerd, kubelet, proxy and flannel), drives it
// with the built `wharf` CLI or the proto client, and checks what really
// happens: containers in containerd, HTTP through VXLAN and iptables.
//
// TestCluster shares one 2-node cluster across its ordered subtests:
//
//	walkthrough  the seeds' OpenShift walkthrough (hack/examples/*.json)
//	network      pod-to-pod across nodes by pod IP and ClusterIP, NodePort
//	rollout      Deployment rolling update under traffic, rollout undo
//	exec         exec, port-forward and attach with wharf and kubectl
//	healing      an RC keeps its replicas through pod kills
//	restart      every component restarted one by one under traffic: no
//	             request fails, no pod is recreated or restarted
//	nodeloss     a stopped node's pods come back on the other node (last:
//	             it stops n2)
//
// TestNFTablesProxy runs the network scenario on a cluster whose proxies
// use --proxy-mode=nftables.
//
// TestHA starts 3 control-plane members and one node and kills the leaders,
// an apiserver and an etcd member while new pods must still be served.
//
// TestLocalUp runs the README's quick start, hack/local-up.sh --netns, has
// the hello pod answer by pod IP and Service, and checks that
// hack/local-down.sh leaves nothing behind.
//
// Tests run in parallel with other packages' tests: every namespace,
// directory and cgroup is named after the test process (wharf-ht-<pid>-…),
// leftovers of crashed runs are removed at start, and everything else at
// exit.
//
// Tests need root (namespaces, containerd); they skip otherwise, and skip
// a scenario only when a component binary is missing from the checkout,
// naming it and why (cluster.Missing).
package e2e
