package iptables

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
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
// than nft, else nft. A nil run executes the -save binaries and reads their
// output as a stream: on a node with 10k services it is tens of megabytes.
func Detect(ctx context.Context, run Exec) (Mode, error) {
	rules := map[Mode]int{}
	for _, m := range []Mode{NFT, Legacy} {
		hint, n, err := scanSave(ctx, run, m)
		if err != nil {
			continue // that backend is not usable here
		}
		if hint {
			return m, nil
		}
		rules[m] = n
	}
	if len(rules) == 0 {
		return "", fmt.Errorf("detect iptables backend: neither iptables-nft-save nor iptables-legacy-save ran")
	}
	nl, nn := rules[Legacy], rules[NFT]
	if _, ok := rules[NFT]; !ok || nl >= 10 || nl > nn {
		return Legacy, nil
	}
	return NFT, nil
}

// scanSave runs m's iptables-save and reports whether it declares a hint
// chain, and how many rules it lists.
func scanSave(ctx context.Context, run Exec, m Mode) (hint bool, rules int, err error) {
	if run != nil {
		out, err := run(ctx, nil, m.Command("-save"))
		if err != nil {
			return false, 0, err
		}
		return countSave(bytes.NewReader(out))
	}
	cmd := exec.CommandContext(ctx, m.Command("-save"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return false, 0, err
	}
	if err := cmd.Start(); err != nil {
		return false, 0, err
	}
	hint, rules, err = countSave(out)
	if hint { // no need to read on
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return true, 0, nil
	}
	return hint, rules, errors.Join(err, cmd.Wait())
}

// countSave reads iptables-save output until it finds a hint chain or
// its end, counting rules.
func countSave(r io.Reader) (hint bool, rules int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) > 0 && line[0] == '-':
			rules++
		case len(line) > 0 && line[0] == ':':
			for _, h := range hintChains {
				if bytes.HasPrefix(line, h) {
					return true, rules, nil
				}
			}
		}
	}
	return false, rules, sc.Err()
}
