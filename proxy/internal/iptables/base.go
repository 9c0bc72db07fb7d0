package iptables

import (
	"bytes"
	"fmt"

	goipt "github.com/coreos/go-iptables/iptables"
	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// jump is a rule in a built-in chain that sends traffic to one of ours.
type jump struct {
	table, from, to, comment string
	extra                    []string
}

var newConn = []string{"-m", "conntrack", "--ctstate", "NEW"}

// jumps are upstream kube-proxy's iptablesJumpChains, in order.
var jumps = []jump{
	{"filter", "INPUT", rules.ChainExternalServices, "kubernetes externally-visible service portals", newConn},
	{"filter", "FORWARD", rules.ChainExternalServices, "kubernetes externally-visible service portals", newConn},
	{"filter", "FORWARD", rules.ChainServices, "kubernetes service portals", newConn},
	{"filter", "OUTPUT", rules.ChainServices, "kubernetes service portals", newConn},
	{"filter", "FORWARD", rules.ChainForward, "kubernetes forwarding rules", nil},
	{"filter", "INPUT", rules.ChainProxyFirewall, "kubernetes load balancer firewall", newConn},
	{"filter", "OUTPUT", rules.ChainProxyFirewall, "kubernetes load balancer firewall", newConn},
	{"filter", "FORWARD", rules.ChainProxyFirewall, "kubernetes load balancer firewall", newConn},
	{"nat", "OUTPUT", rules.ChainServices, "kubernetes service portals", nil},
	{"nat", "PREROUTING", rules.ChainServices, "kubernetes service portals", nil},
	{"nat", "POSTROUTING", rules.ChainPostrouting, "kubernetes postrouting rules", nil},
}

func (j *jump) spec() []string {
	spec := append([]string{"-m", "comment", "--comment", j.comment}, j.extra...)
	return append(spec, "-j", j.to)
}

// ensureBase creates our fixed chains and puts the jumps to them first in
// the built-in chains (idempotent).
func ensureBase(ipt *goipt.IPTables) error {
	for _, j := range jumps {
		ok, err := ipt.ChainExists(j.table, j.to)
		if err != nil {
			return fmt.Errorf("check chain %s/%s: %w", j.table, j.to, err)
		}
		if !ok {
			if err := ipt.NewChain(j.table, j.to); err != nil {
				return fmt.Errorf("create chain %s/%s: %w", j.table, j.to, err)
			}
		}
		if err := ipt.InsertUnique(j.table, j.from, 1, j.spec()...); err != nil {
			return fmt.Errorf("jump %s/%s -> %s: %w", j.table, j.from, j.to, err)
		}
	}
	return nil
}

// removeJumps deletes the jumps to our chains from the built-in chains.
func removeJumps(ipt *goipt.IPTables) error {
	for _, j := range jumps {
		if ok, err := ipt.ChainExists(j.table, j.to); err != nil || !ok {
			continue // no chain, so no jump to it
		}
		if err := ipt.DeleteIfExists(j.table, j.from, j.spec()...); err != nil {
			return fmt.Errorf("delete jump %s/%s -> %s: %w", j.table, j.from, j.to, err)
		}
	}
	return nil
}

// deleteChainsText is iptables-restore --noflush input that flushes and
// deletes chains of table: one transaction, where one iptables call per
// chain would take minutes at 10k services.
func deleteChainsText(table string, chains []string) []byte {
	var b bytes.Buffer
	b.WriteString("*" + table + "\n")
	for _, c := range chains {
		b.WriteString(":" + c + " - [0:0]\n")
	}
	for _, c := range chains {
		b.WriteString("-X " + c + "\n")
	}
	b.WriteString("COMMIT\n")
	return b.Bytes()
}

// owned reports whether chain is one this proxy creates.
func owned(chain string) bool {
	if rules.IsHashed(chain) {
		return true
	}
	switch chain {
	case rules.ChainServices, rules.ChainNodePorts, rules.ChainMarkMasq, rules.ChainPostrouting,
		rules.ChainForward, rules.ChainExternalServices, rules.ChainProxyFirewall:
		return true
	}
	return false
}
