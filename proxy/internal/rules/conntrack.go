package rules

// Flush is a set of conntrack entries to delete: UDP flows to one service
// address that were DNATed to an endpoint that is gone. (UDP has no
// connection end, so without this, a client keeps sending to the dead
// endpoint for as long as it keeps the flow alive.)
type Flush struct {
	Protocol Protocol
	// OrigDst is the service IP the client used; empty with OrigPort set
	// means any local address (a NodePort).
	OrigDst  string
	OrigPort int32
	// DNAT is the endpoint IP the flow was translated to.
	DNAT string
}

// StaleFlows returns the conntrack entries to flush when a service's ports
// change from old to new: for each UDP port, flows to the cluster IP,
// external IPs and NodePort that were DNATed to an endpoint IP that no
// longer serves that port.
func StaleFlows(old, new []ServicePort) []Flush {
	var out []Flush
	for i := range old {
		o := &old[i]
		if o.Protocol != UDP {
			continue
		}
		keep := map[string]bool{}
		for j := range new {
			if n := &new[j]; n.PortName == o.PortName && n.Protocol == o.Protocol {
				for _, ep := range usable(n.Endpoints, false) {
					keep[ep.IP] = true
				}
			}
		}
		for _, ep := range usable(o.Endpoints, false) {
			if keep[ep.IP] {
				continue
			}
			out = append(out, Flush{Protocol: UDP, OrigDst: o.ClusterIP, OrigPort: o.Port, DNAT: ep.IP})
			for _, ip := range o.ExternalIPs {
				out = append(out, Flush{Protocol: UDP, OrigDst: ip, OrigPort: o.Port, DNAT: ep.IP})
			}
			if o.NodePort > 0 {
				out = append(out, Flush{Protocol: UDP, OrigPort: o.NodePort, DNAT: ep.IP})
			}
		}
	}
	return out
}
