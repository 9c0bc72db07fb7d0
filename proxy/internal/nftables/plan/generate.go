package plan

import (
	"slices"
	"strings"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// Generator computes States, reusing the Port of every service port that
// is unchanged since its previous Generate, so that a sync of one change
// among 10k generates one port. It keeps the ExternalIPs and Endpoints
// slices of snapshots, which must not be modified. Not safe for
// concurrent use.
type Generator struct {
	clusterCIDR string
	prev        *State
}

// NewGenerator returns a Generator with an empty cache.
func NewGenerator() *Generator { return &Generator{} }

// Generate returns the desired state of snap. A port with the key of the
// port before it in snap is skipped (snapshots are sorted, so duplicates
// are adjacent).
func (g *Generator) Generate(snap *rules.Snapshot) *State {
	if snap.ClusterCIDR != g.clusterCIDR {
		g.clusterCIDR, g.prev = snap.ClusterCIDR, nil
	}
	prev := g.prev
	if prev == nil {
		prev = &State{}
	}
	st := &State{ClusterCIDR: snap.ClusterCIDR, Ports: make([]*Port, 0, len(snap.Services))}
	for i := range snap.Services {
		sp := &snap.Services[i]
		if n := len(st.Ports); n > 0 && keyOf(&st.Ports[n-1].sp) == keyOf(sp) {
			continue
		}
		// Most ports are where they were: no map lookup for them.
		var p *Port
		if i < len(prev.Ports) && keyOf(&prev.Ports[i].sp) == keyOf(sp) {
			p = prev.Ports[i]
		} else {
			p = prev.Lookup(keyOf(sp))
		}
		if p == nil || !samePort(&p.sp, sp) {
			p = &Port{sp: *sp, rules: int32(GeneratePort(sp, snap.ClusterCIDR).Rules())}
		}
		st.Ports = append(st.Ports, p)
		st.rules += int(p.rules)
	}
	g.prev = st
	return st
}

// Generate is NewGenerator().Generate(snap).
func Generate(snap *rules.Snapshot) *State { return NewGenerator().Generate(snap) }

func samePort(a, b *rules.ServicePort) bool {
	return a.Namespace == b.Namespace && a.Name == b.Name && a.PortName == b.PortName && a.Protocol == b.Protocol &&
		a.ClusterIP == b.ClusterIP && a.Port == b.Port && a.NodePort == b.NodePort && a.AffinitySeconds == b.AffinitySeconds &&
		a.ExternalLocal == b.ExternalLocal && a.InternalLocal == b.InternalLocal &&
		slices.Equal(a.ExternalIPs, b.ExternalIPs) && slices.Equal(a.Endpoints, b.Endpoints)
}

// Name prefixes of per-service objects.
const (
	prefixSVC  = "svc-"
	prefixSVL  = "svl-"
	prefixEXT  = "ext-"
	prefixSEP  = "sep-"
	prefixLB   = "lb-"
	prefixLBL  = "lbl-"
	prefixLBV  = "lbv-"
	prefixLBVL = "lbvl-"
	prefixAff  = "aff-"
)

// portGen generates one port; it decides as the iptables renderer does
// (rules.svcRenderer): which of svc/svl/ext exist, what a cluster IP, a
// NodePort or an external IP without (local) endpoints does.
type portGen struct {
	p    *Objects
	sp   *rules.ServicePort
	cidr string
	hash string
	// hairpins are the endpoint IPs that need a hairpin element.
	hairpins []string
}

// GeneratePort generates the objects of one service port.
func GeneratePort(sp *rules.ServicePort, clusterCIDR string) *Objects {
	g := &portGen{p: &Objects{Elems: make([]Elem, 0, 2+len(sp.ExternalIPs)+len(sp.Endpoints))}, sp: sp, cidr: clusterCIDR,
		hash: strings.TrimPrefix(rules.SVCChain(sp), "KUBE-SVC-"), hairpins: make([]string, 0, len(sp.Endpoints))}
	all := rules.Usable(sp.Endpoints, false)
	local := rules.Usable(sp.Endpoints, true)
	hasExternal := sp.NodePort > 0 || len(sp.ExternalIPs) > 0
	if len(all) > 0 && (!sp.InternalLocal || hasExternal) {
		g.lb(prefixSVC, prefixLB, prefixLBV, all)
	}
	if len(local) > 0 && (sp.InternalLocal || (hasExternal && sp.ExternalLocal)) {
		g.lb(prefixSVL, prefixLBL, prefixLBVL, local)
	}
	g.clusterIP(len(all), len(local))
	if hasExternal {
		g.external(len(all), len(local))
	}
	g.addHairpins()
	slices.SortStableFunc(g.p.Chains, func(a, b Chain) int { return rank(a.Name) - rank(b.Name) })
	return g.p
}

// rank orders chains so that a chain comes after every chain it jumps to.
func rank(chain string) int {
	switch {
	case strings.HasPrefix(chain, prefixSEP):
		return 0
	case strings.HasPrefix(chain, prefixEXT):
		return 2
	}
	return 1
}

func (g *portGen) elem(m Global, ip string, port int32, v Verdict, chain string) {
	g.p.Elems = append(g.p.Elems, Elem{ElemKey{m, ip, g.sp.Protocol, port}, ElemVal{v, chain}})
}

func (g *portGen) clusterIP(nAll, nLocal int) {
	sp := g.sp
	if sp.ClusterIP == "" {
		return
	}
	switch {
	case nAll == 0:
		g.elem(NoEndpointServices, sp.ClusterIP, sp.Port, VerdictReject, "")
	case sp.InternalLocal && nLocal == 0:
		g.elem(NoEndpointServices, sp.ClusterIP, sp.Port, VerdictDrop, "")
	case sp.InternalLocal:
		g.elem(ServiceIPs, sp.ClusterIP, sp.Port, VerdictGoto, prefixSVL+g.hash)
	default:
		g.elem(ServiceIPs, sp.ClusterIP, sp.Port, VerdictGoto, prefixSVC+g.hash)
	}
}

func (g *portGen) external(nAll, nLocal int) {
	sp := g.sp
	if nAll == 0 {
		g.rejectExternal(VerdictReject)
		return
	}
	ext, svc := prefixEXT+g.hash, prefixSVC+g.hash
	if sp.NodePort > 0 {
		g.elem(NodePorts, "", sp.NodePort, VerdictGoto, ext)
	}
	for _, ip := range sp.ExternalIPs {
		g.elem(ServiceIPs, ip, sp.Port, VerdictGoto, ext)
	}
	c := Chain{Name: ext}
	defer func() { g.p.Chains = append(g.p.Chains, c) }()
	if !sp.ExternalLocal {
		c.Rules = append(c.Rules, Rule{Mark: true, Goto: svc})
		return
	}
	if g.cidr != "" {
		c.Rules = append(c.Rules, Rule{SrcCIDR: g.cidr, Goto: svc})
	}
	c.Rules = append(c.Rules, Rule{SrcLocal: true, Mark: true, Goto: svc})
	if nLocal > 0 {
		c.Rules = append(c.Rules, Rule{Goto: prefixSVL + g.hash})
		return
	}
	g.rejectExternal(VerdictDrop)
}

// rejectExternal refuses the NodePort and external IPs with v.
func (g *portGen) rejectExternal(v Verdict) {
	for _, ip := range g.sp.ExternalIPs {
		g.elem(NoEndpointServices, ip, g.sp.Port, v, "")
	}
	if g.sp.NodePort > 0 {
		g.elem(NoEndpointNodePorts, "", g.sp.NodePort, v, "")
	}
}

// lb adds a svc/svl chain over eps and its backends (and for affinity the
// endpoints' chains and sets).
func (g *portGen) lb(chainPrefix, mapPrefix, vmapPrefix string, eps []rules.Endpoint) {
	sp := g.sp
	c := Chain{Name: chainPrefix + g.hash}
	if g.cidr != "" && sp.ClusterIP != "" {
		c.Rules = append(c.Rules, Rule{DstIP: sp.ClusterIP, Proto: sp.Protocol, DPort: sp.Port, SrcCIDR: g.cidr, SrcNot: true, Mark: true})
	}
	for i := range eps {
		g.hairpins = append(g.hairpins, eps[i].IP)
	}
	name := mapPrefix + g.hash
	if sp.AffinitySeconds <= 0 {
		for i, ep := range eps {
			g.p.Backends = append(g.p.Backends, Backend{Map: Backends, Name: name, Index: int32(i), IP: ep.IP, Port: ep.Port})
		}
		c.Rules = append(c.Rules, Rule{Proto: sp.Protocol, LBName: name, LBMap: Backends, Modulus: int32(len(eps))})
		g.p.Chains = append(g.p.Chains, c)
		return
	}
	name = vmapPrefix + g.hash
	for i := range eps {
		sep, aff := g.sepChain(&eps[i])
		c.Rules = append(c.Rules, Rule{SrcInSet: aff, Goto: sep})
		g.p.Backends = append(g.p.Backends, Backend{Map: BackendChains, Name: name, Index: int32(i), Chain: sep})
	}
	c.Rules = append(c.Rules, Rule{LBName: name, LBMap: BackendChains, Modulus: int32(len(eps))})
	g.p.Chains = append(g.p.Chains, c)
}

// addHairpins adds one hairpin element per IP of g.hairpins.
func (g *portGen) addHairpins() {
	slices.Sort(g.hairpins)
	for _, ip := range slices.Compact(g.hairpins) {
		g.p.Elems = append(g.p.Elems, Elem{ElemKey: ElemKey{Map: Hairpin, IP: ip}})
	}
}

// sepChain adds, once per endpoint, an affinity endpoint's chain and set
// and returns their names.
func (g *portGen) sepChain(ep *rules.Endpoint) (chain, set string) {
	h := strings.TrimPrefix(rules.SEPChain(g.sp, ep), "KUBE-SEP-")
	chain, set = prefixSEP+h, prefixAff+h
	if slices.Contains(g.p.Sets, set) {
		return chain, set // shared by the svc and svl chains
	}
	g.p.Sets = append(g.p.Sets, set)
	g.p.Chains = append(g.p.Chains, Chain{Name: chain, Rules: []Rule{
		{UpdateSet: set, UpdateTimeout: g.sp.AffinitySeconds},
		{Proto: g.sp.Protocol, DNATIP: ep.IP, DNATPort: ep.Port},
	}})
	return chain, set
}
