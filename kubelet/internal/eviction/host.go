package eviction

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// HostStats reads the machine: MemAvailable/MemTotal from /proc/meminfo and
// the file system holding Dir (the kubelet's root directory).
type HostStats struct {
	Dir string
}

// Stats implements StatsSource.
func (h HostStats) Stats(context.Context) (Stats, error) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return Stats{}, fmt.Errorf("eviction: %w", err)
	}
	var st Stats
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "MemTotal:":
			st.MemoryCapacity = kb << 10
		case "MemAvailable:":
			st.MemoryAvailable = kb << 10
		}
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(h.Dir, &fs); err != nil {
		return Stats{}, fmt.Errorf("eviction: statfs %s: %w", h.Dir, err)
	}
	st.DiskCapacity = int64(fs.Blocks) * fs.Bsize
	st.DiskAvailable = int64(fs.Bavail) * fs.Bsize
	return st, nil
}
