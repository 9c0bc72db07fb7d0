package rules

import (
	"strconv"
	"strings"
)

// portKey identifies a service port; a struct, so that looking 10k ports up
// per sync builds no strings.
type portKey struct {
	namespace, name, port string
	protocol              Protocol
}

func keyOf(sp *ServicePort) portKey {
	return portKey{sp.Namespace, sp.Name, sp.PortName, sp.Protocol}
}

// portRules is what one service port contributes, as a Renderer keeps
// it: the digests of its own chains and the text of its rules in the
// fixed chains (KUBE-SERVICES, ...), each in rendering order. Its chains'
// text is rendered again from sp when a plan writes them.
type portRules struct {
	sp          ServicePort
	clusterCIDR string
	chains      []chainSum
	fixed       []fixedRule
	// relocated is set once Compact moved the fixed rules (see relocate).
	relocated bool
}

// chainSum is one per-service chain of a port: its name, table (index in
// Ruleset.Tables) and the digest and number of its rules.
type chainSum struct {
	name  string
	sum   uint64
	n     int32
	table int32
}

// fixedRule is one rule of a port in a fixed chain.
type fixedRule struct {
	table int
	chain string
	rule  string
}

func (pr *portRules) key() portKey { return keyOf(&pr.sp) }

// newPortRules renders sp into digests and fixed rules; sp's slices are
// kept, not copied.
func newPortRules(sp *ServicePort, clusterCIDR string) *portRules {
	pr := &portRules{sp: *sp, clusterCIDR: clusterCIDR}
	part := renderPort(&pr.sp, clusterCIDR, true)
	nChains, nFixed := 0, 0
	for _, t := range part.Tables() {
		for _, c := range t.Chains {
			if IsHashed(c.Name) {
				nChains++
			} else {
				nFixed += len(c.Rules)
			}
		}
	}
	pr.chains, pr.fixed = make([]chainSum, 0, nChains), make([]fixedRule, 0, nFixed)
	for i, t := range part.Tables() {
		for _, c := range t.Chains {
			if !IsHashed(c.Name) {
				for _, r := range c.Rules {
					pr.fixed = append(pr.fixed, fixedRule{table: i, chain: c.Name, rule: r})
				}
				continue
			}
			pr.chains = append(pr.chains, chainSum{name: c.Name, sum: c.digest(), n: int32(c.Len()), table: int32(i)})
		}
	}
	return pr
}

// renderPort renders one service port into a ruleset of its own. With
// digestOnly its per-service chains keep only a digest of their rules,
// not their text.
func renderPort(sp *ServicePort, clusterCIDR string, digestOnly bool) *Ruleset {
	rs := newRuleset()
	rs.Filter.digestOnly, rs.NAT.digestOnly = digestOnly, digestOnly
	(&svcRenderer{rs: rs, sp: sp, clusterCIDR: clusterCIDR}).render()
	return rs
}

// lookup returns the index of the named chain of table among pr's
// chains, or -1.
func (pr *portRules) lookup(table int, name string) int {
	for k := range pr.chains {
		if c := &pr.chains[k]; int(c.table) == table && c.name == name {
			return k
		}
	}
	return -1
}

// rules is the number of rules of pr's chains in table.
func (pr *portRules) rules(table int) int {
	n := 0
	for k := range pr.chains {
		if int(pr.chains[k].table) == table {
			n += int(pr.chains[k].n)
		}
	}
	return n
}

// relocate moves pr's fixed rules into one allocation (see relocate).
func (pr *portRules) relocate() {
	if pr.relocated {
		return
	}
	rules := make([]string, len(pr.fixed))
	for i := range pr.fixed {
		rules[i] = pr.fixed[i].rule
	}
	for i, r := range relocate(rules) {
		pr.fixed[i].rule = r
	}
	pr.relocated = true
}

// relocate copies rules into one new allocation. Rendering interleaves
// these long-lived strings with short-lived text in the same allocator
// spans; left in place, a few of them would pin many spans of it.
func relocate(rules []string) []string {
	n := 0
	for _, r := range rules {
		n += len(r)
	}
	var b strings.Builder
	b.Grow(n)
	for _, r := range rules {
		b.WriteString(r)
	}
	all, out := b.String(), make([]string, len(rules))
	for i, r := range rules {
		out[i], all = all[:len(r)], all[len(r):]
	}
	return out
}

// svcRenderer renders one service port.
type svcRenderer struct {
	rs          *Ruleset
	sp          *ServicePort
	clusterCIDR string
	name        string // sp.String()
	hash        string // portProtoHash(sp)
	cm          string // comment(name), once needed
	buf         []byte // the rule being built
}

// add appends one rule made of args joined by spaces to c: its text, or
// only its digest when c is digest-only.
func (r *svcRenderer) add(c *Chain, args ...string) {
	b := r.buf[:0]
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, a...)
	}
	r.buf = b
	if c.compacted {
		c.fold(b)
		return
	}
	c.Rules = append(c.Rules, string(b))
}

func (r *svcRenderer) render() {
	sp := r.sp
	r.name, r.hash = sp.String(), portProtoHash(sp)
	all := usable(sp.Endpoints, false)
	local := usable(sp.Endpoints, true)
	hasExternal := sp.NodePort > 0 || len(sp.ExternalIPs) > 0
	if len(all) > 0 && (!sp.InternalLocal || hasExternal) {
		r.lbChain(prefixSVC+r.hash, all)
	}
	if len(local) > 0 && (sp.InternalLocal || (hasExternal && sp.ExternalLocal)) {
		r.lbChain(prefixSVL+r.hash, local)
	}
	r.clusterIP(len(all), len(local))
	if hasExternal {
		r.external(len(all), len(local))
	}
}

func (r *svcRenderer) match() string {
	switch r.sp.Protocol {
	case TCP:
		return "-m tcp -p tcp"
	case UDP:
		return "-m udp -p udp"
	case SCTP:
		return "-m sctp -p sctp"
	}
	p := string(r.sp.Protocol)
	return "-m " + p + " -p " + p
}

func (r *svcRenderer) dst(ip string, port int32) string {
	return r.match() + " -d " + ip + "/32 --dport " + strconv.Itoa(int(port))
}

func (r *svcRenderer) clusterIP(nAll, nLocal int) {
	sp, name := r.sp, r.name
	if sp.ClusterIP == "" {
		return
	}
	d := r.dst(sp.ClusterIP, sp.Port)
	switch {
	case nAll == 0:
		r.add(r.rs.Filter.Chain(ChainServices), comment(name+" has no endpoints"), d, "-j REJECT")
	case sp.InternalLocal && nLocal == 0:
		r.add(r.rs.Filter.Chain(ChainServices), comment(name+" has no local endpoints"), d, "-j DROP")
	case sp.InternalLocal:
		r.add(r.rs.NAT.Chain(ChainServices), comment(name+" cluster IP"), d, "-j", prefixSVL+r.hash)
	default:
		r.add(r.rs.NAT.Chain(ChainServices), comment(name+" cluster IP"), d, "-j", prefixSVC+r.hash)
	}
}

func (r *svcRenderer) external(nAll, nLocal int) {
	sp, name := r.sp, r.name
	if nAll == 0 {
		r.rejectExternal(name+" has no endpoints", "-j REJECT")
		return
	}
	ext, svc := prefixEXT+r.hash, prefixSVC+r.hash
	if sp.NodePort > 0 {
		r.add(r.rs.NAT.Chain(ChainNodePorts), comment(name), r.match(), "--dport", strconv.Itoa(int(sp.NodePort)), "-j", ext)
	}
	for _, ip := range sp.ExternalIPs {
		r.add(r.rs.NAT.Chain(ChainServices), comment(name+" external IP"), r.dst(ip, sp.Port), "-j", ext)
	}
	c := r.rs.NAT.Chain(ext)
	if !sp.ExternalLocal {
		r.add(c, comment("masquerade traffic for "+name+" external destinations"), "-j", ChainMarkMasq)
		r.add(c, "-j", svc)
		return
	}
	if r.clusterCIDR != "" {
		r.add(c, comment("pod traffic for "+name+" external destinations"), "-s", r.clusterCIDR, "-j", svc)
	}
	r.add(c, comment("masquerade LOCAL traffic for "+name+" external destinations"), "-m addrtype --src-type LOCAL -j", ChainMarkMasq)
	r.add(c, comment("route LOCAL traffic for "+name+" external destinations"), "-m addrtype --src-type LOCAL -j", svc)
	if nLocal > 0 {
		r.add(c, "-j", prefixSVL+r.hash)
		return
	}
	r.rejectExternal(name+" has no local endpoints", "-j DROP")
}

// rejectExternal adds filter rules refusing the NodePort and external IPs.
func (r *svcRenderer) rejectExternal(why, verdict string) {
	sp := r.sp
	c := r.rs.Filter.Chain(ChainExternalServices)
	for _, ip := range sp.ExternalIPs {
		r.add(c, comment(why), r.dst(ip, sp.Port), verdict)
	}
	if sp.NodePort > 0 {
		r.add(c, comment(why), "-m addrtype --dst-type LOCAL", r.match(), "--dport", strconv.Itoa(int(sp.NodePort)), verdict)
	}
}

// lbChain writes a KUBE-SVC/SVL chain over eps and their KUBE-SEP chains.
func (r *svcRenderer) lbChain(name string, eps []Endpoint) {
	sp := r.sp
	c := r.rs.NAT.Chain(name)
	if r.clusterCIDR != "" && sp.ClusterIP != "" {
		r.add(c, comment(r.name+" cluster IP"), r.dst(sp.ClusterIP, sp.Port), "! -s", r.clusterCIDR, "-j", ChainMarkMasq)
	}
	seps, comments := make([]string, len(eps)), make([]string, len(eps))
	for i := range eps {
		seps[i], comments[i] = SEPChain(sp, &eps[i]), comment(r.name+" -> "+epString(&eps[i]))
	}
	if sp.AffinitySeconds > 0 {
		seconds := strconv.Itoa(int(sp.AffinitySeconds))
		for i := range eps {
			r.add(c, comments[i], "-m recent --name", seps[i], "--rcheck --seconds", seconds, "--reap -j", seps[i])
		}
	}
	for i := range eps {
		if i < len(eps)-1 {
			r.add(c, comments[i], "-m statistic --mode random --probability", probability(len(eps)-i), "-j", seps[i])
		} else {
			r.add(c, comments[i], "-j", seps[i])
		}
		r.sepChain(seps[i], &eps[i])
	}
}

func (r *svcRenderer) sepChain(name string, ep *Endpoint) {
	c := r.rs.NAT.Lookup(name)
	if c != nil {
		return // shared by the SVC and SVL chains
	}
	c = r.rs.NAT.Chain(name)
	if r.cm == "" {
		r.cm = comment(r.name)
	}
	cm := r.cm
	r.add(c, cm, "-s", ep.IP+"/32", "-j", ChainMarkMasq)
	if r.sp.AffinitySeconds > 0 {
		r.add(c, cm, "-m recent --name", name, "--set", r.match(), "-j DNAT --to-destination", epString(ep))
		return
	}
	r.add(c, cm, r.match(), "-j DNAT --to-destination", epString(ep))
}
