package proc

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the clock tick of /proc/<pid>/stat: USER_HZ, 100 on every
// Linux architecture Go supports.
const userHZ = 100

// CPUTimes is a process's CPU time from /proc/<pid>/stat.
type CPUTimes struct {
	User, System time.Duration
	// ChildUser and ChildSystem are the times of its waited-for children.
	ChildUser, ChildSystem time.Duration
}

// Own is the process's user plus system time.
func (c CPUTimes) Own() time.Duration { return c.User + c.System }

// WithChildren is Own plus the time of the process's waited-for children.
func (c CPUTimes) WithChildren() time.Duration { return c.Own() + c.ChildUser + c.ChildSystem }

// ParseStat reads utime, stime, cutime and cstime from the text of a
// /proc/<pid>/stat file.
func ParseStat(stat string) (CPUTimes, error) {
	// The command name, in parentheses, may hold spaces and parentheses.
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return CPUTimes{}, errors.New("malformed /proc stat: no ')'")
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 15 {
		return CPUTimes{}, errors.New("short /proc stat")
	}
	var ticks [4]time.Duration
	for k, v := range f[11:15] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return CPUTimes{}, fmt.Errorf("/proc stat: %w", err)
		}
		ticks[k] = time.Duration(n) * time.Second / userHZ
	}
	return CPUTimes{User: ticks[0], System: ticks[1], ChildUser: ticks[2], ChildSystem: ticks[3]}, nil
}

// ReadCPU reads the CPU times of pid.
func ReadCPU(pid int) (CPUTimes, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return CPUTimes{}, fmt.Errorf("proc: %w", err)
	}
	c, err := ParseStat(string(b))
	if err != nil {
		return CPUTimes{}, fmt.Errorf("proc: pid %d: %w", pid, err)
	}
	return c, nil
}

// Memory is a process's resident set size now and at its peak.
type Memory struct {
	RSS, Peak int64 // bytes
}

// ParseStatus reads VmRSS and VmHWM from the text of a /proc/<pid>/status
// file; both must be there.
func ParseStatus(status string) (Memory, error) {
	var m Memory
	found := 0
	for _, line := range strings.Split(status, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("/proc status %s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
		found++
	}
	if found != 2 {
		return Memory{}, errors.New("/proc status lacks VmRSS or VmHWM")
	}
	return m, nil
}

// ReadMemory reads the memory figures of pid.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("proc: %w", err)
	}
	m, err := ParseStatus(string(b))
	if err != nil {
		return Memory{}, fmt.Errorf("proc: pid %d: %w", pid, err)
	}
	return m, nil
}
