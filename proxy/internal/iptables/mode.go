package iptables

import (
	"bytes"
	"context"
	"fmt"
)

// Mode is an iptables backend.
type Mode string

// Backends.
const (
	Legacy Mode = "legacy"
	NFT    Mode = "nft"
)

// ParseMode accepts "legacy", "nft" and "" or "auto" (returned as "").
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "auto":
		return "", nil
	case "legacy", "nft":
		return Mode(s), nil
	}
	return "", fmt.Errorf("iptables mode %q: want legacy, nft or auto", s)
}

// Command is the backend's binary for tool "" (iptables), "-save" or "-restore".
func (m Mode) Command(suffix string) string { return "iptables-" + string(m) + suffix }

// hintChains are the mangle chains kubelet and kube-proxy create to tell
// which backend they use.
var hintChains = [][]byte{[]byte(":KUBE-IPTABLES-HINT"), []byte(":KUBE-KUBELET-CANARY")}

// Detect chooses the backend as upstream's iptables-wrapper: the one with a
// hint chain in mangle, else legacy if it holds 10 or more rules or more rules
// than nft, else nft.
func Detect(ctx context.Context, run Exec) (Mode, error) {
	saves := map[Mode][]byte{}
	for _, m := range []Mode{NFT, Legacy} {
		out, err := run(ctx, nil, m.Command("-save"))
		if err != nil {
			continue // that backend is not usable here
		}
		saves[m] = out
		for _, h := range hintChains {
			if bytes.Contains(out, h) {
				return m, nil
			}
		}
	}
	if len(saves) == 0 {
		return "", fmt.Errorf("detect iptables backend: neither iptables-nft-save nor iptables-legacy-save ran")
	}
	nl, nn := countRules(saves[Legacy]), countRules(saves[NFT])
	if _, ok := saves[NFT]; !ok || nl >= 10 || nl > nn {
		return Legacy, nil
	}
	return NFT, nil
}

func countRules(save []byte) int {
	n := 0
	for _, line := range bytes.Split(save, []byte("\n")) {
		if len(line) > 0 && line[0] == '-' {
			n++
		}
	}
	return n
}
