package cgroups

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// DefaultRoot is where cgroup file systems are mounted.
const DefaultRoot = "/sys/fs/cgroup"

// v1Controllers are the v1 hierarchies the Manager writes limits to.
var v1Controllers = []string{"cpu", "memory", "pids"}

// Manager reads and writes cgroups below Root for pods under Parent.
type Manager struct {
	root   string
	parent string
	v2     bool
	// memoryCapacity is the node's memory, for Burstable oom_score_adj.
	memoryCapacity int64
	// minOOM is the floor of containers' oom_score_adj (minOOMScoreAdj).
	minOOM int
}

// Config configures NewManager.
type Config struct {
	// Root is the cgroup mount point (default DefaultRoot).
	Root string
	// Parent is the cgroup all pods go under (default "/wharf").
	Parent string
	// MemoryCapacity is the node's memory in bytes.
	MemoryCapacity int64
}

// NewManager detects the cgroup version below cfg.Root: the unified (v2)
// hierarchy when Root itself holds cgroup.controllers, else v1 (hybrid
// hosts included, as runc does).
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Root == "" {
		cfg.Root = DefaultRoot
	}
	if cfg.Parent == "" {
		cfg.Parent = "/wharf"
	}
	if !strings.HasPrefix(cfg.Parent, "/") {
		return nil, fmt.Errorf("cgroups: parent %q must be absolute", cfg.Parent)
	}
	if _, err := os.Stat(cfg.Root); err != nil {
		return nil, fmt.Errorf("cgroups: %w", err)
	}
	_, err := os.Stat(filepath.Join(cfg.Root, "cgroup.controllers"))
	return &Manager{root: cfg.Root, parent: filepath.Clean(cfg.Parent), v2: err == nil, memoryCapacity: cfg.MemoryCapacity, minOOM: minOOMScoreAdj()}, nil
}

// V2 reports whether the host uses the unified hierarchy.
func (m *Manager) V2() bool { return m.v2 }

// Parent is the cgroup every pod is placed under.
func (m *Manager) Parent() string { return m.parent }

// EnsurePod creates pod's cgroup (and its QoS parents) with PodResources
// and returns its path, the parent of the pod's container cgroups.
func (m *Manager) EnsurePod(_ context.Context, pod *corev1.Pod) (string, error) {
	if err := m.Ensure(m.parent, runtime.Resources{}); err != nil {
		return "", err
	}
	switch QOSClass(pod) {
	case corev1.PodQOSBurstable:
		if err := m.Ensure(filepath.Join(m.parent, BurstableDir), runtime.Resources{}); err != nil {
			return "", err
		}
	case corev1.PodQOSBestEffort:
		if err := m.Ensure(filepath.Join(m.parent, BestEffortDir), runtime.Resources{CPUShares: MinShares}); err != nil {
			return "", err
		}
	}
	p := PodPath(m.parent, pod)
	if err := m.Ensure(p, PodResources(pod)); err != nil {
		return "", err
	}
	return p, nil
}

// ContainerResources is ContainerResources with the node's memory, its
// oom_score_adj raised to what this process may set.
func (m *Manager) ContainerResources(pod *corev1.Pod, c *corev1.Container) runtime.Resources {
	r := ContainerResources(pod, c, m.memoryCapacity)
	r.OOMScoreAdj = max(r.OOMScoreAdj, m.minOOM)
	return r
}

// RemovePod removes pod uid's cgroup wherever its QoS put it. Container
// cgroups left below it (runc removes them on task delete) are removed
// too; a cgroup that still has processes makes RemovePod fail.
func (m *Manager) RemovePod(_ context.Context, uid types.UID) error {
	var errs []error
	for _, p := range podPaths(m.parent, string(uid)) {
		errs = append(errs, m.Remove(p))
	}
	return errors.Join(errs...)
}

// Remove removes cgroup p and every cgroup below it in every hierarchy.
func (m *Manager) Remove(p string) error {
	var errs []error
	for _, dir := range m.dirs(p) {
		errs = append(errs, removeTree(dir))
	}
	return errors.Join(errs...)
}

// dirs are the directories of cgroup p in every hierarchy.
func (m *Manager) dirs(p string) []string {
	if m.v2 {
		return []string{filepath.Join(m.root, p)}
	}
	entries, err := os.ReadDir(m.root)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() { // "unified" too: runc makes its cgroups there on hybrid hosts
			out = append(out, filepath.Join(m.root, e.Name(), p))
		}
	}
	return out
}

// removeTree rmdirs dir's sub-cgroups, deepest first, then dir (cgroup
// directories cannot be removed with their control files).
func removeTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cgroups: remove %s: %w", dir, err)
	}
	return nil
}

// Ensure creates cgroup p (absolute, below Root) and writes r's non-zero
// settings; unset limits are written as "unlimited" so a pod whose spec
// changed does not keep an old limit.
func (m *Manager) Ensure(p string, r runtime.Resources) error {
	if m.v2 {
		return m.ensureV2(p, r)
	}
	return m.ensureV1(p, r)
}

func (m *Manager) ensureV1(p string, r runtime.Resources) error {
	for _, ctl := range v1Controllers {
		if err := os.MkdirAll(filepath.Join(m.root, ctl, p), 0o755); err != nil {
			return fmt.Errorf("cgroups: %w", err)
		}
	}
	files := []struct{ ctl, file, value string }{
		{"cpu", "cpu.shares", strconv.FormatUint(max(r.CPUShares, MinShares), 10)},
		{"cpu", "cpu.cfs_period_us", strconv.FormatUint(QuotaPeriod, 10)},
		{"cpu", "cpu.cfs_quota_us", "-1"},
		{"memory", "memory.limit_in_bytes", "-1"},
		{"pids", "pids.max", "max"},
	}
	if r.CPUShares == 0 {
		files[0].value = strconv.Itoa(sharesPerCPU)
	}
	if r.CPUQuota > 0 {
		files[1].value = strconv.FormatUint(max(r.CPUPeriod, 1000), 10)
		files[2].value = strconv.FormatInt(r.CPUQuota, 10)
	}
	if r.MemoryLimit > 0 {
		files[3].value = strconv.FormatInt(r.MemoryLimit, 10)
	}
	if r.PidsLimit > 0 {
		files[4].value = strconv.FormatInt(r.PidsLimit, 10)
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(m.root, f.ctl, p, f.file), f.value); err != nil {
			return err
		}
	}
	return nil
}

func (m *Manager) ensureV2(p string, r runtime.Resources) error {
	// Every ancestor must delegate the controllers to its children.
	cur := m.root
	for _, part := range strings.Split(strings.Trim(p, "/"), "/") {
		if err := writeFile(filepath.Join(cur, "cgroup.subtree_control"), "+cpu +memory +pids"); err != nil {
			return err
		}
		cur = filepath.Join(cur, part)
		if err := os.MkdirAll(cur, 0o755); err != nil {
			return fmt.Errorf("cgroups: %w", err)
		}
	}
	weight := uint64(100)
	if r.CPUShares > 0 {
		weight = SharesToWeight(r.CPUShares)
	}
	files := map[string]string{
		"cpu.weight": strconv.FormatUint(weight, 10),
		"cpu.max":    "max " + strconv.Itoa(QuotaPeriod),
		"memory.max": "max",
		"pids.max":   "max",
	}
	if r.CPUQuota > 0 {
		files["cpu.max"] = fmt.Sprintf("%d %d", r.CPUQuota, max(r.CPUPeriod, 1000))
	}
	if r.MemoryLimit > 0 {
		files["memory.max"] = strconv.FormatInt(r.MemoryLimit, 10)
	}
	if r.PidsLimit > 0 {
		files["pids.max"] = strconv.FormatInt(r.PidsLimit, 10)
	}
	for name, v := range files {
		if err := writeFile(filepath.Join(cur, name), v); err != nil {
			return err
		}
	}
	return nil
}

// SharesToWeight maps cpu.shares [2, 262144] to cpu.weight [1, 10000] as
// runc and the kubelet do.
func SharesToWeight(shares uint64) uint64 {
	shares = min(max(shares, MinShares), MaxShares)
	return 1 + ((shares-2)*9999)/262142
}

func writeFile(path, value string) error {
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("cgroups: write %q to %s: %w", value, path, err)
	}
	return nil
}

// OOMKills returns how many processes the kernel OOM-killed in cgroup p:
// oom_kill of memory.oom_control (v1) or memory.events (v2). A cgroup
// that no longer exists reports fs.ErrNotExist.
func (m *Manager) OOMKills(p string) (uint64, error) {
	file := filepath.Join(m.root, "memory", p, "memory.oom_control")
	if m.v2 {
		file = filepath.Join(m.root, p, "memory.events")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, fmt.Errorf("cgroups: %w", err)
	}
	return parseKey(data, "oom_kill")
}

// MemoryUsage returns cgroup p's memory usage in bytes.
func (m *Manager) MemoryUsage(p string) (int64, error) {
	file := filepath.Join(m.root, "memory", p, "memory.usage_in_bytes")
	if m.v2 {
		file = filepath.Join(m.root, p, "memory.current")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, fmt.Errorf("cgroups: %w", err)
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cgroups: %s: %w", file, err)
	}
	return v, nil
}

// parseKey finds "key N" in a flat-keyed cgroup file.
func parseKey(data []byte, key string) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == key {
			v, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("cgroups: %s: %w", key, err)
			}
			return v, nil
		}
	}
	return 0, nil
}
