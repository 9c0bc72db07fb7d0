// Package cgroups turns pod resources into cgroup settings and writes the
// pod-level cgroups (the container cgroups themselves are made by runc
// from the OCI spec's cgroupsPath).
//
//	<parent>                       e.g. /wharf
//	├── pod<uid>/<ctr>-<attempt>   Guaranteed pods
//	├── burstable/pod<uid>/...     Burstable pods
//	└── besteffort/pod<uid>/...    BestEffort pods (besteffort: cpu.shares=2)
//
// Vocabulary: Resources (runtime.Resources) are cgroup v1 units — cpu
// shares, CFS quota/period in µs, memory and pids limits — translated to
// cpu.weight/cpu.max/memory.max/pids.max on cgroup v2. QoS classes follow
// upstream: Guaranteed (every container has limits == requests for cpu and
// memory), BestEffort (no requests or limits at all), else Burstable.
//
// resources.go is pure (table-tested); Manager (fs.go) is the edge that
// reads and writes /sys/fs/cgroup, on v1 (one hierarchy per controller,
// including hybrid hosts) or on the v2 unified hierarchy.
package cgroups
