#!/usr/bin/env bash
# hack/test.sh — the one test command for Wharf.
#
# Installs what the tests need (only what is missing), then for every module
# in go.work runs gofmt, go vet and go test -race (the hack module's tests
# include the end-to-end suite hack/e2e: real multi-node clusters in network
# namespaces, a few minutes), followed by a one-iteration smoke run of the
# hack/bench benchmarks. Prints a summary and exits non-zero
# on any failure. Safe to run on a fresh Debian machine as root (CI) or as a
# developer.
#
# Environment:
#   WHARF_TEST_RACE=0       run go test without -race
#   WHARF_TEST_TIMEOUT=15m  per-package go test timeout
#   WHARF_TEST_MODULES="hack proto"  only these module dirs (default: all)
#   WHARF_TEST_PKGS="..."   patterns to test instead of ./... (per module)
#   WHARF_TEST_BENCH=0      skip the benchmark smoke run
#
# The last line is "N passed, N failed, N skipped" (go test -v counts,
# subtests included).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TIMEOUT="${WHARF_TEST_TIMEOUT:-15m}"
TMPBASE="${TMPDIR:-/tmp}"
APT_UPDATED=0

log() { printf '==> %s\n' "$*"; }
die() { printf 'hack/test.sh: %s\n' "$*" >&2; exit 1; }

# apt_install PKG... installs Debian packages; needs root and apt-get.
apt_install() {
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install manually: $*"
	[[ "$(id -u)" == 0 ]] || die "not root; install manually: $*"
	if [[ "$APT_UPDATED" == 0 ]]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ensure_cmds CMD:PKG... installs PKG for every CMD that is not on PATH.
# Later issues add e.g. containerd:containerd iptables:iptables here.
ensure_cmds() {
	local missing=() pair
	for pair in "$@"; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
	done
	if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
}

ensure_go() {
	if ! command -v go >/dev/null 2>&1; then
		[[ -x /usr/local/go/bin/go ]] || die "go not found on PATH or at /usr/local/go/bin/go; install Go $(sed -n 's/^go //p' "$ROOT/go.work")"
		export PATH="/usr/local/go/bin:$PATH"
	fi
	export PATH="$(go env GOPATH)/bin:$PATH"
}

# ensure_race decides whether -race is usable: it needs cgo and a C compiler.
ensure_race() {
	RACE=()
	[[ "${WHARF_TEST_RACE:-1}" == 1 ]] || return 0
	if ! command -v gcc >/dev/null 2>&1; then
		if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
			apt_install gcc libc6-dev
		else
			log "no gcc: running tests without -race"
			return 0
		fi
	fi
	RACE=(-race)
}

# cleanup_stale removes work dirs of earlier runs whose process is gone.
cleanup_stale() {
	local d pid
	for d in "$TMPBASE"/wharf-test.*; do
		[[ -d "$d" ]] || continue
		pid="$(cat "$d/pid" 2>/dev/null || true)"
		if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then continue; fi
		rm -rf "$d"
	done
}

WORK=""
setup_workdir() {
	cleanup_stale
	WORK="$(mktemp -d "$TMPBASE/wharf-test.XXXXXX")"
	echo $$ >"$WORK/pid"
	mkdir -p "$WORK/tmp" "$WORK/logs"
	trap 'rm -rf "$WORK"' EXIT
}

RESULTS=()
FAILED=0
FAILED_LOGS=()
record() { # record NAME STATUS
	RESULTS+=("$(printf '%-5s %s' "$2" "$1")")
	[[ "$2" == ok ]] || FAILED=1
}

# show_filtered prints a go test -v log without the per-test chatter of
# passing tests; failing runs are printed in full apart from RUN lines.
show_filtered() {
	local file="$1" status="$2"
	if [[ "$status" == ok ]]; then
		grep -E '^(ok|FAIL|panic:|--- FAIL|# )|^\s+--- FAIL|^\?' "$file" || true
	else
		grep -vE '^=== (RUN|PAUSE|CONT|NAME)|^\s*--- (PASS|SKIP)' "$file" || true
	fi
}

check_gofmt() {
	local out
	out="$(cd "$ROOT" && gofmt -l $(go list -m -f '{{.Dir}}' | sed "s|^$ROOT/||") 2>&1 || true)"
	if [[ -n "$out" ]]; then
		printf 'gofmt: files need formatting:\n%s\n' "$out"
		record gofmt FAIL
	else
		record gofmt ok
	fi
}

run_module() { # run_module DIR
	local dir="$1" name pkgs status logf
	name="${dir#"$ROOT"/}"
	read -r -a pkgs <<<"${WHARF_TEST_PKGS:-./...}"
	log "go vet $name"
	if (cd "$dir" && go vet "${pkgs[@]}"); then record "vet $name" ok; else record "vet $name" FAIL; fi
	log "go test ${RACE[*]} $name"
	logf="$WORK/logs/${name//\//_}.log"
	status=ok
	(cd "$dir" && TMPDIR="$WORK/tmp" go test "${RACE[@]}" -count=1 -timeout "$TIMEOUT" -v "${pkgs[@]}") >"$logf" 2>&1 || status=FAIL
	show_filtered "$logf" "$status"
	record "test $name" "$status"
	[[ "$status" == ok ]] || FAILED_LOGS+=("$logf")
	cat "$logf" >>"$WORK/logs/all.log"
}

run_bench_smoke() {
	[[ "${WHARF_TEST_BENCH:-1}" == 1 ]] || return 0
	[[ -d "$ROOT/hack/bench" ]] || return 0
	log "benchmark smoke run (hack/bench, -benchtime 1x)"
	local logf="$WORK/logs/bench.log"
	if (cd "$ROOT/hack" && TMPDIR="$WORK/tmp" go test -run '^$' -bench . -benchtime 1x -timeout "$TIMEOUT" ./bench/...) >"$logf" 2>&1; then
		grep -E '^(Benchmark|ok|FAIL)' "$logf" || true
		record "bench smoke" ok
	else
		cat "$logf"
		record "bench smoke" FAIL
	fi
}

# failure_digest repeats the messages of failing tests (file:line lines of
# _test.go files, panics, FAIL lines) next to the summary: component log
# tails printed on failure can push them far up the output.
failure_digest() {
	((${#FAILED_LOGS[@]})) || return 0
	echo
	echo "================ failure messages (last 60) ================"
	# (component logs that tests relay with t.Log are left out: level=/msg=)
	grep -hE '^\s+[A-Za-z0-9_]+_test\.go:[0-9]+: |^panic: |^\s*--- FAIL' "${FAILED_LOGS[@]}" |
		grep -vE ' level=[A-Z]+ | msg=' | tail -60 || true
}

summary() {
	local passed failed skipped all="$WORK/logs/all.log"
	touch "$all"
	passed="$(grep -cE '^\s*--- PASS' "$all" || true)"
	failed="$(grep -cE '^\s*--- FAIL' "$all" || true)"
	skipped="$(grep -cE '^\s*--- SKIP' "$all" || true)"
	echo
	echo "================ summary ================"
	printf '%s\n' "${RESULTS[@]}"
	echo "========================================="
	if [[ "$FAILED" != 0 ]]; then
		echo "hack/test.sh: FAILED (failing output is printed above)"
	else
		echo "hack/test.sh: all checks passed"
	fi
	echo "${passed} passed, ${failed} failed, ${skipped} skipped"
}

main() {
	ensure_go
	# The e2e suite (hack/e2e) needs all of these: containerd and runc per
	# node, ctr to kill containers, curl inside node namespaces, nsenter and
	# unshare (util-linux) to enter them, sysctl (procps) for ip_forward.
	ensure_cmds git:git containerd:containerd runc:runc containerd-shim-runc-v2:containerd ctr:containerd \
		busybox:busybox-static systemd-analyze:systemd ip:iproute2 bridge:iproute2 iptables:iptables \
		iperf3:iperf3 conntrack:conntrack curl:curl nsenter:util-linux unshare:util-linux sysctl:procps
	ensure_race
	setup_workdir
	cd "$ROOT"
	log "go $(go env GOVERSION), modules: $(go list -m -f '{{.Path}}' | tr '\n' ' ')"
	check_gofmt
	local dir
	while read -r dir; do
		if [[ -n "${WHARF_TEST_MODULES:-}" && " $WHARF_TEST_MODULES " != *" ${dir#"$ROOT"/} "* ]]; then continue; fi
		run_module "$dir"
	done < <(go list -m -f '{{.Dir}}')
	run_bench_smoke
	failure_digest
	summary
	[[ "$FAILED" == 0 ]]
}

main "$@"
