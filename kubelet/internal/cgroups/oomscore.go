package cgroups

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// capSysResource is CAP_SYS_RESOURCE's bit in CapEff.
const capSysResource = 24

// minOOMScoreAdj is the lowest oom_score_adj containers can get: without
// CAP_SYS_RESOURCE (some sandboxes) a process may only raise its score,
// and containerd's shim runs at containerd's score + 1, assumed to be
// ours. With the capability there is no floor (-1000).
func minOOMScoreAdj() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1000
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "CapEff:")
		if !ok {
			continue
		}
		caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		if err != nil || caps&(1<<capSysResource) != 0 {
			return -1000
		}
		own, err := os.ReadFile("/proc/self/oom_score_adj")
		if err != nil {
			return -1000
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(own)))
		if err != nil {
			return -1000
		}
		return min(n+1, 1000)
	}
	return -1000
}
