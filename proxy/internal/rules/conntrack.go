package rules

// Flush is a set of conntrack entries to delete, as upstream kube-proxy's
// conntrack cleanup does for UDP and SCTP (no connection end, so without it
// a client keeps sending into a stale entry for as long as it keeps the
// flow alive). The entries match Protocol and OrigPort, and:
//   - OrigDst set, DNAT set: flows to that service address that were
//     DNATed to endpoint DNAT (upstream ClearEntriesForNAT: the endpoint
//     went away);
//   - OrigDst empty, DNAT set: flows to NodePort OrigPort on any local
//     address DNATed to DNAT (ClearEntriesForPortNAT);
//   - DNAT empty: flows to OrigDst:OrigPort (or NodePort OrigPort when
//     OrigDst is empty too) that were not DNATed (upstream
//     ClearEntriesForIP / ClearEntriesForPort, narrowed so that a restart,
//     which sees every service as new, leaves live flows alone): the
//     service just got endpoints, and flows created while it had none must
//     not keep bypassing them.
type Flush struct {
	Protocol Protocol
	// OrigDst is the service IP the client used; empty for a NodePort.
	OrigDst  string
	OrigPort int32
	// DNAT is the endpoint IP the flow was translated to; empty for any.
	DNAT string
}

// needsFlush reports whether conntrack entries of p outlive their endpoint.
func needsFlush(p Protocol) bool { return p == UDP || p == SCTP }

// StaleFlows returns the conntrack entries to flush when a service's ports
// change from old to new. For each UDP and SCTP port: flows to its cluster
// IP, external IPs and NodePort that were DNATed to an endpoint IP that no
// longer serves that port; and, when the port had no usable endpoint before
// and has one now, the flows to those addresses that were not DNATed.
func StaleFlows(old, new []ServicePort) []Flush {
	var out []Flush
	for i := range old {
		o := &old[i]
		if !needsFlush(o.Protocol) {
			continue
		}
		keep := map[string]bool{}
		if n := findPort(new, o); n != nil {
			for _, ep := range usable(n.Endpoints, false) {
				keep[ep.IP] = true
			}
		}
		for _, ep := range usable(o.Endpoints, false) {
			if !keep[ep.IP] {
				out = appendAddrs(out, o, ep.IP)
			}
		}
	}
	for i := range new {
		n := &new[i]
		if !needsFlush(n.Protocol) || len(usable(n.Endpoints, false)) == 0 {
			continue
		}
		if o := findPort(old, n); o == nil || len(usable(o.Endpoints, false)) == 0 {
			out = appendAddrs(out, n, "")
		}
	}
	return out
}

// findPort returns the port of ports with sp's name and protocol, or nil.
func findPort(ports []ServicePort, sp *ServicePort) *ServicePort {
	for i := range ports {
		if ports[i].PortName == sp.PortName && ports[i].Protocol == sp.Protocol {
			return &ports[i]
		}
	}
	return nil
}

// appendAddrs appends a flush for every address of sp (cluster IP,
// external IPs, NodePort) towards dnat ("" for any).
func appendAddrs(out []Flush, sp *ServicePort, dnat string) []Flush {
	if sp.ClusterIP != "" {
		out = append(out, Flush{Protocol: sp.Protocol, OrigDst: sp.ClusterIP, OrigPort: sp.Port, DNAT: dnat})
	}
	for _, ip := range sp.ExternalIPs {
		out = append(out, Flush{Protocol: sp.Protocol, OrigDst: ip, OrigPort: sp.Port, DNAT: dnat})
	}
	if sp.NodePort > 0 {
		out = append(out, Flush{Protocol: sp.Protocol, OrigPort: sp.NodePort, DNAT: dnat})
	}
	return out
}
