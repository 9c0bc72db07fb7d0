// Package overlay computes what flannel.1 should carry (pure; no I/O).
// For every other node, three kernel entries make its pod subnet reachable:
//
//	peer (Node: podCIDR 10.244.2.0/24, public-ip 192.168.1.12, VtepMAC m)
//	   route    10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
//	   neighbor 10.244.2.0 lladdr m dev flannel.1 PERMANENT      (ARP)
//	   fdb      m dev flannel.1 dst 192.168.1.12 self permanent  (bridge FDB)
//
// Render turns peers into a Desired set; package vxlan applies it.
package overlay
