#!/usr/bin/env bash
# hack/bench/cmd/apiserver-bench/run.sh — build wharf-apiserver and
# apiserver-bench, run the apiserver benchmark suite against 127.0.0.1 and
# print its table. Extra arguments go to apiserver-bench (run with -h to
# list them), e.g. --pods 2000 --watches 100
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
BIN="$(mktemp -d "${TMPDIR:-/tmp}/wharf-bench-bin.XXXXXX")"
trap 'rm -rf "$BIN"' EXIT
cd "$ROOT"
echo "==> building wharf-apiserver and apiserver-bench" >&2
go build -o "$BIN/wharf-apiserver" ./apiserver/cmd/wharf-apiserver
go build -o "$BIN/apiserver-bench" ./hack/bench/cmd/apiserver-bench
"$BIN/apiserver-bench" --apiserver "$BIN/wharf-apiserver" "$@"
