#!/usr/bin/env bash
# hack/local-down.sh — stop the cluster hack/local-up.sh started and remove
# what it created.
#
#   hack/local-down.sh [--dir DIR] [--keep-logs]
#
# Stops only the processes named by DIR/pids/*.pid (checking that each PID
# still runs a program local-up started), then what they left: containerd
# shims and containers (processes whose command line names DIR, and their
# children), mounts below DIR, the pods' cgroup (DIR/cgroup), the network
# namespace local-up created (DIR/netns), and DIR itself (DIR/logs
# survives with --keep-logs).
set -euo pipefail

DIR="${WHARF_LOCAL_DIR:-/tmp/wharf-local}"
KEEP_LOGS=0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '==> %s\n' "$*"; }
die() { printf 'local-down: %s\n' "$*" >&2; exit 1; }

while (($#)); do
	case "$1" in
	--dir) DIR="${2:?--dir needs a path}"; shift 2 ;;
	--keep-logs) KEEP_LOGS=1; shift ;;
	-h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1" ;;
	esac
done
[[ -d "$DIR" ]] || { log "nothing to do: $DIR does not exist"; exit 0; }
[[ "$(id -u)" == 0 ]] || die "must run as root"

# ours PID: the process runs one of bin/'s binaries or names DIR.
ours() {
	local cmd
	cmd="$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)" || return 1
	[[ "$cmd" == *"$ROOT/bin/"* || "$cmd" == *"$DIR"* ]]
}

names_dir() { [[ "$({ tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null)" == *"$DIR"* ]]; }

wait_gone() { # wait_gone SECONDS PID...
	local secs="$1" i p alive; shift
	for ((i = 0; i < secs * 10; i++)); do
		alive=0
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		((alive)) || return 0
		sleep 0.1
	done
	return 1
}

stop_components() {
	local name pid pids=()
	# Node first, control plane last.
	for name in wharf-proxy wharf-kubelet wharf-flannel containerd wharf-scheduler wharf-controller-manager wharf-apiserver; do
		[[ -f "$DIR/pids/$name.pid" ]] || continue
		pid="$(cat "$DIR/pids/$name.pid")"
		if kill -0 "$pid" 2>/dev/null && ours "$pid"; then
			log "stopping $name (pid $pid)"
			kill -TERM "$pid"
			wait_gone 15 "$pid" || { log "$name did not stop: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
		fi
		rm -f "$DIR/pids/$name.pid"
	done
}

# kill_leftovers: containerd shims and their containers name DIR (the
# containerd socket) in their command line; kill them and their children.
kill_leftovers() {
	local pids=() p child
	for p in /proc/[0-9]*; do
		p="${p#/proc/}"
		if [[ "$p" != "$$" ]] && names_dir "$p"; then pids+=("$p"); fi
	done
	((${#pids[@]})) || return 0
	for p in "${pids[@]}"; do
		for child in $(pgrep -P "$p" 2>/dev/null || true); do pids+=("$child"); done
	done
	log "killing leftover processes: ${pids[*]}"
	kill -KILL "${pids[@]}" 2>/dev/null || true
	wait_gone 10 "${pids[@]}" || true
}

unmount_below() {
	local mp
	{ awk '{print $5}' /proc/self/mountinfo | grep -E "^$DIR(/|$)" || true; } | sort -r | while read -r mp; do
		umount -l "$mp" || log "could not unmount $mp"
	done
}

# remove_cgroup: the cgroup local-up put the pods under (DIR/cgroup), in
# every hierarchy, deepest first; retried while killed processes exit.
remove_cgroup() {
	[[ -f "$DIR/cgroup" ]] || return 0
	local cg d i
	cg="$(cat "$DIR/cgroup")"
	[[ "$cg" =~ ^/wharf-local(-[A-Za-z0-9][A-Za-z0-9_.-]*)?$ ]] || { log "not removing unexpected cgroup $cg"; return 0; }
	for d in /sys/fs/cgroup/"${cg#/}" /sys/fs/cgroup/*/"${cg#/}"; do
		[[ -d "$d" ]] || continue
		for ((i = 0; i < 20; i++)); do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null && break
			sleep 0.2
		done
		[[ ! -d "$d" ]] || log "could not remove cgroup $d"
	done
}

stop_components
kill_leftovers
unmount_below
remove_cgroup
if [[ -f "$DIR/netns" ]]; then
	ns="$(cat "$DIR/netns")"
	if [[ -e "/run/netns/$ns" ]]; then
		log "deleting network namespace $ns"
		ip netns del "$ns"
	fi
fi
if ((KEEP_LOGS)); then
	find "$DIR" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
	log "removed $DIR (logs kept in $DIR/logs)"
else
	rm -rf "$DIR"
	log "removed $DIR"
fi
