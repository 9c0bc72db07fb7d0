#!/usr/bin/env bash
# hack/bench/kubelet/run.sh — build wharf-apiserver, wharf-kubelet and
# kubelet-bench, then measure pod startup latency and the idle kubelet's
# CPU/RSS on one node (needs root: netns, containerd, cgroups). Extra
# arguments go to kubelet-bench, e.g. --pods 30 --idle-pods 100 --idle 30s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/wharf-kubelet-bench.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
cd "$ROOT"
echo "==> building" >&2
go build -o "$BIN/wharf-apiserver" ./apiserver/cmd/wharf-apiserver
go build -o "$BIN/wharf-kubelet" ./kubelet/cmd/wharf-kubelet
go build -o "$BIN/kubelet-bench" ./hack/bench/kubelet
"$BIN/kubelet-bench" --apiserver "$BIN/wharf-apiserver" --kubelet "$BIN/wharf-kubelet" "$@"
