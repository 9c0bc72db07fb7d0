package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MasqMark is the packet mark (bit 14, as upstream) of traffic to masquerade.
const MasqMark = "0x4000"

// Render is the whole ruleset of s as iptables-restore input.
func Render(s *Snapshot) []byte { return Compute(s).Text() }

// Compute renders s into chains. Services are rendered in the order given.
func Compute(s *Snapshot) *Ruleset { return NewRenderer().Compute(s) }

// Renderer computes rulesets, reusing the chains of every service port that
// is unchanged since its previous Compute, so a sync of one changed service
// among thousands renders one service. The chains it returns are shared
// between rulesets and must not be modified; so must the ExternalIPs and
// Endpoints slices of snapshots passed to Compute, which it keeps. Not safe
// for concurrent use.
type Renderer struct {
	clusterCIDR string
	cache       map[portKey]*portRules
	// sizes of the last Compute's tables: chains, then rules per fixed
	// chain, so that the next one allocates them once.
	sizes [2][]int
}

// portKey identifies a service port; a struct, so that looking 10k ports up
// per sync builds no strings.
type portKey struct {
	namespace, name, port string
	protocol              Protocol
}

// portRules is what one service port contributes: its own chains and its
// rules in the shared chains (KUBE-SERVICES, ...), in rendering order.
type portRules struct {
	key         portKey
	sp          ServicePort
	clusterCIDR string
	tables      *Ruleset
	// compacted is set when Compact dropped the text of its own chains.
	compacted bool
}

// NewRenderer returns a Renderer with an empty cache.
func NewRenderer() *Renderer { return &Renderer{cache: map[portKey]*portRules{}} }

// Compute renders s; it equals the package-level Compute(s).
func (r *Renderer) Compute(s *Snapshot) *Ruleset {
	if s.ClusterCIDR != r.clusterCIDR {
		r.clusterCIDR, r.cache = s.ClusterCIDR, map[portKey]*portRules{}
	}
	rs := newRuleset()
	fixedChains(rs)
	r.presize(rs)
	next := make(map[portKey]*portRules, len(s.Services))
	rs.order = make([]*portRules, 0, len(s.Services))
	for i := range s.Services {
		sp := &s.Services[i]
		key := portKey{sp.Namespace, sp.Name, sp.PortName, sp.Protocol}
		pr := r.cache[key]
		if pr == nil || !samePort(&pr.sp, sp) {
			pr = &portRules{key: key, sp: *sp, clusterCIDR: s.ClusterCIDR}
			pr.tables = renderPort(&pr.sp, pr.clusterCIDR)
			rs.fresh++
		}
		next[key] = pr
		rs.order = append(rs.order, pr)
		merge(rs, pr.tables)
	}
	r.cache, rs.ports = next, next
	rs.NAT.Chain(ChainServices).add(comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain"),
		"-m addrtype --dst-type LOCAL -j", ChainNodePorts)
	r.recordSizes(rs)
	return rs
}

// presize gives rs's tables and fixed chains the capacity the last
// Compute needed (fixedChains makes the same fixed chains every time).
func (r *Renderer) presize(rs *Ruleset) {
	for i, t := range rs.Tables() {
		sz := r.sizes[i]
		if len(sz) == 0 {
			continue
		}
		t.Chains = slices.Grow(t.Chains, max(0, sz[0]-len(t.Chains)))
		for j, c := range t.Chains {
			if j+1 < len(sz) {
				c.Rules = slices.Grow(c.Rules, max(0, sz[j+1]-len(c.Rules)))
			}
		}
	}
}

func (r *Renderer) recordSizes(rs *Ruleset) {
	for i, t := range rs.Tables() {
		sz := append(r.sizes[i][:0], len(t.Chains))
		for _, c := range t.Chains {
			if IsHashed(c.Name) {
				break
			}
			sz = append(sz, len(c.Rules))
		}
		r.sizes[i] = sz
	}
}

// renderPort renders one service port into a ruleset of its own.
func renderPort(sp *ServicePort, clusterCIDR string) *Ruleset {
	rs := newRuleset()
	(&svcRenderer{rs: rs, sp: sp, clusterCIDR: clusterCIDR}).render()
	return rs
}

// compact drops the rule text of the port's own (hashed) chains, keeping
// their digests; its rules in the fixed chains stay, since every Compute
// merges them, but are moved out of the memory the dropped text shares.
func (pr *portRules) compact() {
	if pr.compacted {
		return
	}
	for _, t := range pr.tables.Tables() {
		for _, c := range t.Chains {
			if IsHashed(c.Name) {
				c.compact()
			} else {
				c.Rules = relocate(c.Rules)
			}
		}
	}
	pr.compacted = true
}

// relocate copies rules into one new allocation. Rendering interleaves
// these long-lived strings with the per-service chains' text in the same
// allocator spans; left in place, a few of them would pin every span of
// that text after Compact drops it.
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

// merge adds one port's chains (shared, not copied) and its rules in the
// fixed chains to rs.
func merge(rs, part *Ruleset) {
	for i, t := range part.Tables() {
		dst := rs.Tables()[i]
		for _, c := range t.Chains {
			if IsHashed(c.Name) {
				dst.Chains = append(dst.Chains, c) // indexed lazily
				continue
			}
			fixed := dst.Chain(c.Name)
			fixed.Rules = append(fixed.Rules, c.Rules...)
		}
	}
}

func samePort(a, b *ServicePort) bool {
	return a.Namespace == b.Namespace && a.Name == b.Name && a.PortName == b.PortName && a.Protocol == b.Protocol &&
		a.ClusterIP == b.ClusterIP && a.Port == b.Port && a.NodePort == b.NodePort && a.AffinitySeconds == b.AffinitySeconds &&
		a.ExternalLocal == b.ExternalLocal && a.InternalLocal == b.InternalLocal &&
		slices.Equal(a.ExternalIPs, b.ExternalIPs) && slices.Equal(a.Endpoints, b.Endpoints)
}

func fixedChains(rs *Ruleset) {
	for _, name := range []string{ChainServices, ChainExternalServices, ChainForward, ChainProxyFirewall} {
		rs.Filter.Chain(name)
	}
	fwd := rs.Filter.Chain(ChainForward)
	fwd.add("-m conntrack --ctstate INVALID -j DROP")
	fwd.add(comment("kubernetes forwarding rules"), "-m mark --mark", MasqMark+"/"+MasqMark, "-j ACCEPT")
	fwd.add(comment("kubernetes forwarding conntrack rule"), "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT")
	for _, name := range []string{ChainServices, ChainNodePorts, ChainPostrouting, ChainMarkMasq} {
		rs.NAT.Chain(name)
	}
	post := rs.NAT.Chain(ChainPostrouting)
	post.add("-m mark ! --mark", MasqMark+"/"+MasqMark, "-j RETURN")
	post.add("-j MARK --xor-mark", MasqMark)
	post.add(comment("kubernetes service traffic requiring SNAT"), "-j MASQUERADE --random-fully")
	rs.NAT.Chain(ChainMarkMasq).add("-j MARK --or-mark", MasqMark)
}

// svcRenderer renders one service port.
type svcRenderer struct {
	rs          *Ruleset
	sp          *ServicePort
	clusterCIDR string
}

func (r *svcRenderer) render() {
	sp := r.sp
	all := usable(sp.Endpoints, false)
	local := usable(sp.Endpoints, true)
	hasExternal := sp.NodePort > 0 || len(sp.ExternalIPs) > 0
	if len(all) > 0 && (!sp.InternalLocal || hasExternal) {
		r.lbChain(SVCChain(sp), all)
	}
	if len(local) > 0 && (sp.InternalLocal || (hasExternal && sp.ExternalLocal)) {
		r.lbChain(SVLChain(sp), local)
	}
	r.clusterIP(len(all), len(local))
	if hasExternal {
		r.external(len(all), len(local))
	}
}

func (r *svcRenderer) match() string {
	p := string(r.sp.Protocol)
	return "-m " + p + " -p " + p
}

func (r *svcRenderer) dst(ip string, port int32) string {
	return r.match() + " -d " + ip + "/32 --dport " + strconv.Itoa(int(port))
}

func (r *svcRenderer) clusterIP(nAll, nLocal int) {
	sp, name := r.sp, r.sp.String()
	if sp.ClusterIP == "" {
		return
	}
	d := r.dst(sp.ClusterIP, sp.Port)
	switch {
	case nAll == 0:
		r.rs.Filter.Chain(ChainServices).add(comment(name+" has no endpoints"), d, "-j REJECT")
	case sp.InternalLocal && nLocal == 0:
		r.rs.Filter.Chain(ChainServices).add(comment(name+" has no local endpoints"), d, "-j DROP")
	case sp.InternalLocal:
		r.rs.NAT.Chain(ChainServices).add(comment(name+" cluster IP"), d, "-j", SVLChain(sp))
	default:
		r.rs.NAT.Chain(ChainServices).add(comment(name+" cluster IP"), d, "-j", SVCChain(sp))
	}
}

func (r *svcRenderer) external(nAll, nLocal int) {
	sp, name := r.sp, r.sp.String()
	if nAll == 0 {
		r.rejectExternal(name+" has no endpoints", "-j REJECT")
		return
	}
	ext := EXTChain(sp)
	if sp.NodePort > 0 {
		r.rs.NAT.Chain(ChainNodePorts).add(comment(name), r.match(), "--dport", strconv.Itoa(int(sp.NodePort)), "-j", ext)
	}
	for _, ip := range sp.ExternalIPs {
		r.rs.NAT.Chain(ChainServices).add(comment(name+" external IP"), r.dst(ip, sp.Port), "-j", ext)
	}
	c := r.rs.NAT.Chain(ext)
	if !sp.ExternalLocal {
		c.add(comment("masquerade traffic for "+name+" external destinations"), "-j", ChainMarkMasq)
		c.add("-j", SVCChain(sp))
		return
	}
	if r.clusterCIDR != "" {
		c.add(comment("pod traffic for "+name+" external destinations"), "-s", r.clusterCIDR, "-j", SVCChain(sp))
	}
	c.add(comment("masquerade LOCAL traffic for "+name+" external destinations"), "-m addrtype --src-type LOCAL -j", ChainMarkMasq)
	c.add(comment("route LOCAL traffic for "+name+" external destinations"), "-m addrtype --src-type LOCAL -j", SVCChain(sp))
	if nLocal > 0 {
		c.add("-j", SVLChain(sp))
		return
	}
	r.rejectExternal(name+" has no local endpoints", "-j DROP")
}

// rejectExternal adds filter rules refusing the NodePort and external IPs.
func (r *svcRenderer) rejectExternal(why, verdict string) {
	sp := r.sp
	c := r.rs.Filter.Chain(ChainExternalServices)
	for _, ip := range sp.ExternalIPs {
		c.add(comment(why), r.dst(ip, sp.Port), verdict)
	}
	if sp.NodePort > 0 {
		c.add(comment(why), "-m addrtype --dst-type LOCAL", r.match(), "--dport", strconv.Itoa(int(sp.NodePort)), verdict)
	}
}

// lbChain writes a KUBE-SVC/SVL chain over eps and their KUBE-SEP chains.
func (r *svcRenderer) lbChain(name string, eps []Endpoint) {
	sp, svcName := r.sp, r.sp.String()
	c := r.rs.NAT.Chain(name)
	if r.clusterCIDR != "" && sp.ClusterIP != "" {
		c.add(comment(svcName+" cluster IP"), r.dst(sp.ClusterIP, sp.Port), "! -s", r.clusterCIDR, "-j", ChainMarkMasq)
	}
	seconds := strconv.Itoa(int(sp.AffinitySeconds))
	if sp.AffinitySeconds > 0 {
		for i := range eps {
			sep := SEPChain(sp, &eps[i])
			c.add(comment(svcName+" -> "+epString(&eps[i])), "-m recent --name", sep, "--rcheck --seconds", seconds, "--reap -j", sep)
		}
	}
	for i := range eps {
		sep := SEPChain(sp, &eps[i])
		args := []string{comment(svcName + " -> " + epString(&eps[i]))}
		if i < len(eps)-1 {
			args = append(args, "-m statistic --mode random --probability", probability(len(eps)-i))
		}
		c.add(append(args, "-j", sep)...)
		r.sepChain(sep, &eps[i])
	}
}

func (r *svcRenderer) sepChain(name string, ep *Endpoint) {
	c := r.rs.NAT.Lookup(name)
	if c != nil {
		return // shared by the SVC and SVL chains
	}
	c = r.rs.NAT.Chain(name)
	cm := comment(r.sp.String())
	c.add(cm, "-s", ep.IP+"/32", "-j", ChainMarkMasq)
	affinity := ""
	if r.sp.AffinitySeconds > 0 {
		affinity = "-m recent --name " + name + " --set "
	}
	c.add(cm, affinity+r.match(), "-j DNAT --to-destination", epString(ep))
}

// probability is upstream's computeProbability: 1/n with 10 decimals.
func probability(n int) string { return fmt.Sprintf("%0.10f", 1.0/float64(n)) }

// comment is a "-m comment" match, quoted when it has spaces.
func comment(s string) string {
	if strings.ContainsAny(s, " \"") {
		s = strconv.Quote(s)
	}
	return "-m comment --comment " + s
}
