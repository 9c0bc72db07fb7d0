// Package app is wharf-flannel: one agent per node that makes every other
// node's pod subnet reachable over VXLAN.
//
//	Node informer ──kick──► sync (one goroutine owns all state)
//	                          ├─ publish own VTEP annotations (merge patch)
//	                          ├─ EnsureLink flannel.1, EnsureAddr <subnet>.0/32
//	                          ├─ peers := Nodes → kubesubnet.Peers → vxlan.Render
//	                          ├─ vxlan.Reconcile (routes, ARP, FDB: add + delete)
//	                          └─ ipmasq.Ensure (--ip-masq)
//	/healthz /metrics ◄── atomic status + Prometheus registry
//
// The same sync runs at start, after a restart, on every Node event and
// every ResyncPeriod. Exiting leaves the device and its entries in place, so a
// restart drops no traffic; Cleanup removes them.
package app
