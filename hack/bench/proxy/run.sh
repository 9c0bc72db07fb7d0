#!/usr/bin/env bash
# hack/bench/proxy/run.sh — build wharf-apiserver, wharf-proxy and
# proxy-bench, then print the proxy table (issue 10). Needs root, ip(8) and
# iptables 1.8 (legacy and nft); every case runs in its own network
# namespace wharf-pt-bench-*. Extra arguments go to proxy-bench, e.g.
#   hack/bench/proxy/run.sh --services 1000,5000 --modes nft
#   hack/bench/proxy/run.sh --services 1000,10000 --modes nftables
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/wharf-proxy-bench.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
cd "$ROOT"
echo "==> building" >&2
go build -o "$BIN/wharf-apiserver" ./apiserver/cmd/wharf-apiserver
go build -o "$BIN/wharf-proxy" ./proxy/cmd/wharf-proxy
go build -o "$BIN/proxy-bench" ./hack/bench/proxy
"$BIN/proxy-bench" --apiserver "$BIN/wharf-apiserver" --proxy "$BIN/wharf-proxy" "$@"
