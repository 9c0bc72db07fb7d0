// Package network gives each pod its own network namespace, wired to the
// node through netlink only (no `ip`, no CNI binaries):
//
//	node netns (the kubelet's, or Config.HostNetNS)
//	  cni0 bridge, gateway = first IP of podCIDR, hairpin on every port
//	   ├── vethXXXXXXXX ══ eth0  pod netns file <NetNSDir>/<pod uid>
//	   │                         IP from package ipam, lo up,
//	   │                         default route via the gateway
//	   └── ...
//
// Setup is idempotent: it converges whatever exists (a kubelet restarted
// half-way) to the desired state; Teardown removes the veth, the namespace
// file and the IP, and is idempotent too.
package network
