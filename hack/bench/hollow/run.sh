#!/usr/bin/env bash
# hack/bench/hollow/run.sh — build wharf-apiserver, wharf-kubelet and
# hollow-bench, then run N hollow nodes in one kubelet process and print
# RSS per node, lease freshness and CPU. Arguments go to hollow-bench,
# e.g. --nodes 5000 --pods 50000 --window 120s
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/wharf-hollow-bench.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
cd "$ROOT"
echo "==> building" >&2
go build -o "$BIN/wharf-apiserver" ./apiserver/cmd/wharf-apiserver
go build -o "$BIN/wharf-kubelet" ./kubelet/cmd/wharf-kubelet
go build -o "$BIN/hollow-bench" ./hack/bench/hollow
"$BIN/hollow-bench" --apiserver "$BIN/wharf-apiserver" --kubelet "$BIN/wharf-kubelet" "$@"
