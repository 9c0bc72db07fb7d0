#!/usr/bin/env bash
# hack/bench/overlay/run.sh — build wharf-apiserver, wharf-flannel and
# overlay-bench, then print the overlay table (issue 11). Needs root, ip(8),
# bridge(8) and iperf3; everything runs in namespaces wharf-ft-bench-*.
# Extra arguments go to overlay-bench, e.g. --duration 10s --reps 5.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/wharf-overlay-bench.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
cd "$ROOT"
echo "==> building" >&2
go build -o "$BIN/wharf-apiserver" ./apiserver/cmd/wharf-apiserver
go build -o "$BIN/wharf-flannel" ./flannel/cmd/wharf-flannel
go build -o "$BIN/overlay-bench" ./hack/bench/overlay
"$BIN/overlay-bench" --apiserver "$BIN/wharf-apiserver" --flannel "$BIN/wharf-flannel" "$@"
