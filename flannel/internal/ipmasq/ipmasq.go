// Package ipmasq keeps the nat rules that masquerade traffic leaving the pod
// network (--ip-masq), in upstream flannel's layout:
//
//	POSTROUTING ─► FLANNEL-POSTRTG
//	   -s network   -d network        RETURN      pod → pod: untouched
//	   -s network  ! -d 224.0.0.0/4   MASQUERADE  pod → outside
//	  ! -s network  -d subnet         RETURN      host → local pod
//	  ! -s network  -d network        MASQUERADE  host → remote pod
//
// Rules renders them (pure); Ensure compares them with what iptables lists
// and rewrites the chain only when they differ.
package ipmasq

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Chain is the nat chain wharf-flannel owns.
const Chain = "FLANNEL-POSTRTG"

const comment = "flanneld-masq"

// Rules returns the rule specs of Chain, in order, for the pod network and
// this node's subnet.
func Rules(network, subnet netip.Prefix) [][]string {
	n, s := network.String(), subnet.String()
	tag := []string{"-m", "comment", "--comment", comment}
	rule := func(parts ...string) []string {
		i := slices.Index(parts, "-j")
		return slices.Concat(parts[:i], tag, parts[i:])
	}
	return [][]string{
		rule("-s", n, "-d", n, "-j", "RETURN"),
		rule("-s", n, "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE", "--random-fully"),
		rule("!", "-s", n, "-d", s, "-j", "RETURN"),
		rule("!", "-s", n, "-d", n, "-j", "MASQUERADE", "--random-fully"),
	}
}

// jumpRule is the POSTROUTING rule that sends traffic to Chain.
var jumpRule = []string{"-m", "comment", "--comment", comment, "-j", Chain}

// IPTables is the part of go-iptables Ensure uses.
type IPTables interface {
	List(table, chain string) ([]string, error)
	ClearChain(table, chain string) error
	Append(table, chain string, rulespec ...string) error
	AppendUnique(table, chain string, rulespec ...string) error
	DeleteIfExists(table, chain string, rulespec ...string) error
	ClearAndDeleteChain(table, chain string) error
	ChainExists(table, chain string) (bool, error)
}

// Ensure makes Chain hold exactly rules and POSTROUTING jump to it. It
// reports whether it rewrote the chain.
func Ensure(ipt IPTables, rules [][]string) (bool, error) {
	have, err := ipt.List("nat", Chain)
	if err == nil && slices.Equal(ruleLines(have), render(rules)) {
		return false, ipt.AppendUnique("nat", "POSTROUTING", jumpRule...)
	}
	if err := ipt.ClearChain("nat", Chain); err != nil {
		return false, fmt.Errorf("clear nat %s: %w", Chain, err)
	}
	for _, r := range rules {
		if err := ipt.Append("nat", Chain, r...); err != nil {
			return true, fmt.Errorf("append to nat %s %v: %w", Chain, r, err)
		}
	}
	if err := ipt.AppendUnique("nat", "POSTROUTING", jumpRule...); err != nil {
		return true, fmt.Errorf("jump from nat POSTROUTING: %w", err)
	}
	return true, nil
}

// Cleanup removes the jump and Chain.
func Cleanup(ipt IPTables) error {
	if ok, err := ipt.ChainExists("nat", Chain); err != nil || !ok {
		return err // nothing of ours: a jump to a missing chain cannot exist
	}
	if err := ipt.DeleteIfExists("nat", "POSTROUTING", jumpRule...); err != nil {
		return fmt.Errorf("delete jump to %s: %w", Chain, err)
	}
	if err := ipt.ClearAndDeleteChain("nat", Chain); err != nil {
		return fmt.Errorf("delete chain %s: %w", Chain, err)
	}
	return nil
}

// render formats rules as iptables -S prints them.
func render(rules [][]string) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = "-A " + Chain + " " + strings.Join(r, " ")
	}
	return out
}

func ruleLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "-A ") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}
