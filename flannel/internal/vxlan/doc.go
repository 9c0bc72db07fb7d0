// Package vxlan is wharf-flannel's netlink edge: the VXLAN device flannel.1
// (EnsureLink, EnsureAddr, DeleteLink) and Reconcile, which makes the
// routes, ARP neighbours and FDB entries on it equal to an overlay.Desired.
//
// Every function works on a *netlink.Handle, which may be bound to another
// network namespace. Reconcile lists what the kernel has on flannel.1, adds
// what is missing, replaces what differs and deletes what is not desired; it
// is the same path at start, after a restart and on every change, and
// applying the same Desired twice changes nothing.
package vxlan
