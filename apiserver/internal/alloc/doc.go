// Package alloc hands out Service ClusterIPs and NodePorts.
//
// Each range (service IPs, node ports) is one bitmap kept in a single
// etcd key, /registry/ranges/serviceips and /registry/ranges/servicenodeports,
// as upstream's RangeAllocation: {"range": "10.96.0.0/12", "data": <bitmap>}.
// Every change is a compare-and-swap on the key's mod revision, so any
// number of apiservers on one etcd never hand out the same offset; inside
// one process a mutex keeps callers from fighting over the CAS.
//
//	Allocator      offsets 0..size-1 of one bitmap key
//	IPRange        CIDR ↔ offset (network and broadcast addresses excluded)
//	PortRange      base..base+size-1 ↔ offset
//	Services       allocate for a Service on create/update, release on delete
//	Repairer       rebuilds the bitmaps from the Services in etcd
package alloc
