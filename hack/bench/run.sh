#!/usr/bin/env bash
# hack/bench/run.sh — run every component benchmark and print one table:
# benchmark, figure, measured, target, anchor (what to compare with:
# upstream's figure on this machine, or the SLO a target comes from).
#
#   hack/bench/run.sh [--only apiserver,scheduler,...] [--small] [--log-dir DIR]
#
# Benchmarks: apiserver scheduler controllers kubelet hollow proxy overlay
# density. Each runs through its own script (hack/bench/<name>/run.sh,
# hack/bench/cmd/apiserver-bench/run.sh) at its full default size; --small
# uses tiny sizes to check that every benchmark and the table work (the
# figures then mean little). kubelet, proxy, overlay and density need root.
# Each benchmark's full output stays in the log directory. A full run takes
# well over an hour on 2 cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
cd "$ROOT"
exec go run ./hack/bench/cmd/bench-all "$@"
