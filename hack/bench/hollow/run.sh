#!/usr/bin/env bash
# hack/bench/hollow/run.sh — build wharf-apiserver, wharf-scheduler,
# wharf-kubelet and hollow-bench, then run N hollow nodes in one kubelet
# process against the apiserver (embedded etcd) and scheduler, and print
# a table: time to Ready, time until all pods Running, lease freshness
# (max and p99 age over the window), CPU and RSS of the apiserver and the
# hollow process. Arguments go to hollow-bench, e.g.
#   hack/bench/hollow/run.sh --nodes 5000 --pods 50000
#   hack/bench/hollow/run.sh --nodes 1000 --pods 10000 --scheduler= --profile /tmp
# (--scheduler= binds pods round-robin by spec.nodeName instead).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/wharf-hollow-bench.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
cd "$ROOT"
echo "==> building" >&2
go build -o "$BIN/wharf-apiserver" ./apiserver/cmd/wharf-apiserver
go build -o "$BIN/wharf-scheduler" ./scheduler/cmd/wharf-scheduler
go build -o "$BIN/wharf-kubelet" ./kubelet/cmd/wharf-kubelet
go build -o "$BIN/hollow-bench" ./hack/bench/hollow
"$BIN/hollow-bench" --apiserver "$BIN/wharf-apiserver" --kubelet "$BIN/wharf-kubelet" \
	--scheduler "$BIN/wharf-scheduler" "$@"
