#!/usr/bin/env bash
# hack/bench/density/run.sh — the density benchmark: 100 pods (or
# WHARF_DENSITY_PODS) on a real 3-node cluster; prints p50/p99 pod startup
# and API p99 latency. Needs root (network namespaces, containerd).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
cd "$ROOT/hack"
exec go test -tags density -run '^$' -bench Density -benchtime 1x -timeout 30m -v ./bench/density "$@"
