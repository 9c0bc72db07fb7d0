package rules

// Protocol is a lower-case transport protocol: "tcp", "udp" or "sctp".
type Protocol string

// Protocols the renderer knows.
const (
	TCP  Protocol = "tcp"
	UDP  Protocol = "udp"
	SCTP Protocol = "sctp"
)

// Snapshot is everything one sync renders from. Build fills it from API
// objects; tests write it by hand.
type Snapshot struct {
	// ClusterCIDR, if set ("10.244.0.0/16"), makes traffic to a cluster IP
	// from outside it masqueraded, as upstream's --cluster-cidr.
	ClusterCIDR string
	// Services are rendered in this order; Build sorts them by chain name.
	Services []ServicePort
}

// ServicePort is one port of one Service with its endpoints.
type ServicePort struct {
	Namespace, Name string
	// PortName is the Service port's name ("" for a single unnamed port).
	PortName string
	Protocol Protocol
	// ClusterIP is the service's IPv4 cluster IP.
	ClusterIP string
	Port      int32
	// NodePort is 0 when the service has none.
	NodePort    int32
	ExternalIPs []string
	// AffinitySeconds > 0 enables ClientIP session affinity with that timeout.
	AffinitySeconds int32
	// ExternalLocal and InternalLocal are the Local traffic policies.
	ExternalLocal, InternalLocal bool
	Endpoints                    []Endpoint
}

// Endpoint is one backend of a service port, with the EndpointSlice
// conditions (nil conditions are already resolved as upstream does).
type Endpoint struct {
	IP   string
	Port int32
	// Ready, Serving and Terminating are the EndpointSlice conditions.
	Ready, Serving, Terminating bool
	// Local is true when the endpoint runs on this node.
	Local bool
}

// String is the upstream ServicePortName form: "ns/name:port" or "ns/name".
func (s *ServicePort) String() string {
	if s.PortName == "" {
		return s.Namespace + "/" + s.Name
	}
	return s.Namespace + "/" + s.Name + ":" + s.PortName
}

// Equal reports whether s and o render the same rules: equal fields,
// external IPs and endpoints.
func (s *ServicePort) Equal(o *ServicePort) bool { return samePort(s, o) }

// usable returns the endpoints traffic may go to among eps: the ready ones,
// or, if none is ready, the serving terminating ones (upstream fallback).
func usable(eps []Endpoint, localOnly bool) []Endpoint {
	var ready, term []Endpoint
	for _, ep := range eps {
		if localOnly && !ep.Local {
			continue
		}
		switch {
		case ep.Ready:
			if ready == nil {
				ready = make([]Endpoint, 0, len(eps))
			}
			ready = append(ready, ep)
		case ep.Serving && ep.Terminating:
			term = append(term, ep)
		}
	}
	if len(ready) > 0 {
		return ready
	}
	return term
}
