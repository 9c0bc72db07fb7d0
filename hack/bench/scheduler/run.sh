#!/usr/bin/env bash
# hack/bench/scheduler/run.sh — build wharf-apiserver, wharf-scheduler and
# scheduler-bench, then print the scheduling table. Extra arguments go to
# scheduler-bench, e.g. --cases 5000:10000 --upstream /path/to/kube-scheduler
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/wharf-sched-bench.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
cd "$ROOT"
echo "==> building" >&2
go build -o "$BIN/wharf-apiserver" ./apiserver/cmd/wharf-apiserver
go build -o "$BIN/wharf-scheduler" ./scheduler/cmd/wharf-scheduler
go build -o "$BIN/scheduler-bench" ./hack/bench/scheduler
"$BIN/scheduler-bench" --apiserver "$BIN/wharf-apiserver" --scheduler "$BIN/wharf-scheduler" "$@"
