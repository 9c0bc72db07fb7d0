#!/usr/bin/env bash
# Build upstream flanneld v0.28.10 into $1 (default ./flanneld) for the
# interop test: WHARF_FLANNELD=<path> go test -run Interop ./flannel/internal/app
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
GOWORK=off go build -o "${1:-flanneld}" github.com/flannel-io/flannel
