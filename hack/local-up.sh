#!/usr/bin/env bash
# hack/local-up.sh — start a one-node Wharf cluster on this machine.
#
#   hack/local-up.sh [--netns NAME] [--dir DIR] [--verbose]
#
# Installs what is missing (apt, as root), builds every binary into bin/,
# generates the CA and kubeconfigs (wharf-apiserver certs), starts
# wharf-apiserver (embedded etcd), wharf-controller-manager, wharf-scheduler
# and a node (containerd with its own root and socket, wharf-flannel,
# wharf-kubelet, wharf-proxy — each only if its binary is real), imports the
# hello demo image, and prints how to use the cluster.
#
#   --netns NAME  create network namespace NAME and run everything inside
#                 it: the host's network (interfaces, routes, iptables) is
#                 not touched. Without it the node's bridge cni0 and its
#                 iptables rules are created on the host.
#   --dir DIR     state, certificates and logs (default /tmp/wharf-local)
#   --verbose     follow every component's log after start (Ctrl-C stops
#                 following; the cluster keeps running)
#
# Environment: WHARF_LOCAL_DIR is the default of --dir; WHARF_LOCAL_BIN
# builds the binaries there instead of bin/ (hack/e2e's TestLocalUp).
# hack/local-down.sh stops what this started (PID files in DIR/pids) and
# removes what it created. Exits non-zero with the failing log on error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${WHARF_LOCAL_BIN:-$ROOT/bin}" # tests build elsewhere
DIR="${WHARF_LOCAL_DIR:-/tmp/wharf-local}"
NETNS=""
VERBOSE=0
API_PORT=6443

log() { printf '==> %s\n' "$*"; }
die() { printf 'local-up: %s\n' "$*" >&2; exit 1; }

parse_args() {
	while (($#)); do
		case "$1" in
		--netns)
			NETNS="${2:?--netns needs a name}"; shift 2
			[[ "$NETNS" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "--netns $NETNS: use letters, digits, '.', '_' and '-'"
			;;
		--dir) DIR="${2:?--dir needs a path}"; shift 2 ;;
		--verbose | -v) VERBOSE=1; shift ;;
		-h | --help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) die "unknown argument $1 (see --help)" ;;
		esac
	done
}

# apt_install PKG... (root only).
apt_install() {
	command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install manually: $*"
	[[ "$(id -u)" == 0 ]] || die "not root; install manually (or rerun as root): $*"
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_deps() {
	[[ "$(id -u)" == 0 ]] || die "must run as root (network namespaces, containerd, iptables)"
	local missing=() pair
	for pair in ip:iproute2 nsenter:util-linux containerd:containerd runc:runc \
		containerd-shim-runc-v2:containerd iptables:iptables curl:curl; do
		command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
	done
	if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
	if ! command -v go >/dev/null 2>&1; then
		[[ -x /usr/local/go/bin/go ]] || die "Go not found; install Go $(sed -n 's/^go //p' "$ROOT/go.work") into /usr/local/go"
		export PATH="/usr/local/go/bin:$PATH"
	fi
}

# is_real BIN: the binary answers --help with a usage text (not a placeholder).
is_real() {
	local out
	out="$("$BIN/$1" --help 2>&1)" || return 1
	[[ "${out,,}" == *usage* ]]
}

build() {
	log "building binaries into bin/"
	mkdir -p "$BIN"
	(cd "$ROOT" && go build -o "$BIN/" ./apiserver/cmd/wharf-apiserver ./scheduler/cmd/wharf-scheduler \
		./controller-manager/cmd/wharf-controller-manager ./cli/cmd/wharf ./hack/images/cmd/wharf-images) ||
		die "build failed"
	local b
	for b in kubelet proxy flannel; do
		(cd "$ROOT" && go build -o "$BIN/" "./$b/cmd/wharf-$b" 2>"$DIR/logs/build-$b.log") ||
			log "wharf-$b does not build (see $DIR/logs/build-$b.log); the node runs without it"
	done
}

setup_dir() {
	if [[ -e "$DIR/pids" ]] && compgen -G "$DIR/pids/*.pid" >/dev/null; then
		die "$DIR holds a running cluster; run hack/local-down.sh --dir $DIR first"
	fi
	[[ ! -e "$DIR/netns" ]] || die "$DIR names network namespace $(cat "$DIR/netns"); run hack/local-down.sh --dir $DIR first"
	rm -rf "$DIR"
	mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/images"
}

setup_netns() {
	if [[ -z "$NETNS" ]]; then
		log "NOTE: no --netns: the node's bridge cni0, routes and iptables rules go on this host's network"
		return 0
	fi
	[[ ! -e "/run/netns/$NETNS" ]] || die "network namespace $NETNS exists; pick another name or delete it"
	log "creating network namespace $NETNS"
	ip netns add "$NETNS"
	echo "$NETNS" >"$DIR/netns"
	ip -n "$NETNS" link set lo up
	# A veth pair inside the namespace gives the node an InternalIP other
	# than loopback (the dummy link type is not always available).
	ip -n "$NETNS" link add wharf0 type veth peer name wharf1
	ip -n "$NETNS" addr add 10.250.255.1/24 dev wharf0
	ip -n "$NETNS" link set wharf1 up
	ip -n "$NETNS" link set wharf0 up
	# A default route: traffic the node itself sends to a ClusterIP needs a
	# route for the lookup that precedes the proxy's DNAT.
	ip -n "$NETNS" route add default via 10.250.255.254 dev wharf0
	# A node prerequisite (kubeadm checks it too): pod traffic, ClusterIP
	# traffic between pods included, is routed through the node.
	ip netns exec "$NETNS" sysctl -qw net.ipv4.ip_forward=1
}

# run NAME ARGV...: start a component in the background (inside --netns if
# given), logging to DIR/logs/NAME.log, its PID in DIR/pids/NAME.pid.
run() {
	local name="$1"; shift
	local pre=()
	[[ -z "$NETNS" ]] || pre=(nsenter "--net=/run/netns/$NETNS" --)
	setsid "${pre[@]}" "$@" >"$DIR/logs/$name.log" 2>&1 </dev/null &
	echo $! >"$DIR/pids/$name.pid"
	log "started $name (pid $!, log $DIR/logs/$name.log)"
}

# wait_until NAME SECONDS CMD...: poll CMD until it succeeds; fail with the
# log of NAME if NAME died or time ran out.
wait_until() {
	local name="$1" secs="$2"; shift 2
	local i
	for ((i = 0; i < secs * 5; i++)); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		if ! kill -0 "$(cat "$DIR/pids/$name.pid")" 2>/dev/null; then
			tail -n 30 "$DIR/logs/$name.log" >&2
			die "$name exited; log above ($DIR/logs/$name.log)"
		fi
		sleep 0.2
	done
	tail -n 30 "$DIR/logs/$name.log" >&2
	die "$name not ready after ${secs}s; log above ($DIR/logs/$name.log)"
}

in_ns() { if [[ -n "$NETNS" ]]; then nsenter "--net=/run/netns/$NETNS" -- "$@"; else "$@"; fi; }

issue() { # issue OUT ARGS...: a kubeconfig from the cluster CA
	local out="$1"; shift
	"$BIN/wharf-apiserver" certs component --cert-dir "$DIR/pki" --server "https://127.0.0.1:$API_PORT" --out "$out" "$@" >/dev/null
}

start_control_plane() {
	local bind=127.0.0.1 extra=()
	if [[ -n "$NETNS" ]]; then bind=0.0.0.0; extra=(--advertise-address 10.250.255.1); fi
	run wharf-apiserver "$BIN/wharf-apiserver" --bind-address "$bind" --secure-port "$API_PORT" \
		--data-dir "$DIR/data" --cert-dir "$DIR/pki" "${extra[@]}"
	wait_until wharf-apiserver 60 test -s "$DIR/pki/ca.key"
	issue "$DIR/admin.kubeconfig" --name admin --group system:masters
	issue "$DIR/scheduler.kubeconfig" --name system:kube-scheduler
	issue "$DIR/controller-manager.kubeconfig" --name system:kube-controller-manager
	wait_until wharf-apiserver 60 in_ns "$BIN/wharf" --kubeconfig "$DIR/admin.kubeconfig" get namespaces
	log "apiserver ready on https://127.0.0.1:$API_PORT"
	run wharf-controller-manager "$BIN/wharf-controller-manager" --kubeconfig "$DIR/controller-manager.kubeconfig"
	run wharf-scheduler "$BIN/wharf-scheduler" --kubeconfig "$DIR/scheduler.kubeconfig"
	wait_until wharf-controller-manager 30 in_ns curl -fsS http://127.0.0.1:10257/healthz
	wait_until wharf-scheduler 30 in_ns curl -fsS http://127.0.0.1:10259/healthz
}

NODE=wharf-local
# The cgroup every pod goes under (one per --netns, so clusters side by
# side do not share one); local-down.sh removes it (DIR/cgroup).
CGROUP=/wharf-local

start_node() {
	if [[ ! -x "$BIN/wharf-kubelet" ]] || ! is_real wharf-kubelet; then
		log "NOTE: wharf-kubelet is not available: no node is started (control plane only)"
		return 0
	fi
	[[ -z "$NETNS" ]] || CGROUP="/wharf-local-$NETNS"
	echo "$CGROUP" >"$DIR/cgroup"
	mkdir -p "$DIR/containerd"
	cat >"$DIR/containerd/config.toml" <<-TOML
		version = 2
		root = "$DIR/containerd/root"
		state = "$DIR/containerd/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$DIR/containerd/containerd.sock"
		[ttrpc]
		  address = "$DIR/containerd/containerd.sock.ttrpc"
	TOML
	run containerd containerd --config "$DIR/containerd/config.toml"
	wait_until containerd 30 test -S "$DIR/containerd/containerd.sock"
	log "building the demo images into $DIR/images"
	"$BIN/wharf-images" "$DIR/images" >/dev/null || die "building the demo images failed"
	issue "$DIR/kubelet.kubeconfig" --node "$NODE"
	issue "$DIR/proxy.kubeconfig" --name system:kube-proxy
	local ip=() iface=()
	[[ -z "$NETNS" ]] || { ip=(--node-ip 10.250.255.1); iface=(--iface wharf0); }
	local mtu=()
	if is_real wharf-flannel; then
		# --net-conf: without it flannel waits for the ConfigMap
		# kube-system/kube-flannel-cfg, which nothing here creates.
		# --subnet-file under DIR: nothing outside DIR is written, so the
		# kubelet gets the VXLAN MTU by flag.
		printf '{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}\n' >"$DIR/net-conf.json"
		run wharf-flannel "$BIN/wharf-flannel" --kubeconfig "$DIR/kubelet.kubeconfig" --node-name "$NODE" \
			--net-conf "$DIR/net-conf.json" --subnet-file "$DIR/subnet.env" "${iface[@]}"
		mtu=(--network-mtu 1450)
	else
		log "NOTE: wharf-flannel is a placeholder: not started (one node needs no overlay)"
	fi
	run wharf-kubelet "$BIN/wharf-kubelet" --kubeconfig "$DIR/kubelet.kubeconfig" --node-name "$NODE" \
		--root-dir "$DIR/kubelet" --containerd-address "$DIR/containerd/containerd.sock" \
		--image-import-dir "$DIR/images" --pod-cidr 10.244.0.0/24 --cgroup-root "$CGROUP" "${ip[@]}" "${mtu[@]}"
	if is_real wharf-proxy; then
		run wharf-proxy "$BIN/wharf-proxy" --kubeconfig "$DIR/proxy.kubeconfig" --hostname-override "$NODE" \
			--cluster-cidr 10.244.0.0/16
	else
		log "NOTE: wharf-proxy is not available: Services will not answer"
	fi
	wait_until wharf-kubelet 90 node_ready
	log "node $NODE is Ready"
}

node_ready() {
	[[ "$(in_ns "$BIN/wharf" --kubeconfig "$DIR/admin.kubeconfig" get node "$NODE" \
		-o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" == True ]]
}

usage_note() {
	local pre=""
	[[ -z "$NETNS" ]] || pre="ip netns exec $NETNS "
	cat <<-MSG

		Wharf is running. Logs: $DIR/logs   Stop it: hack/local-down.sh${DIR:+ --dir $DIR}

		  export KUBECONFIG=$DIR/admin.kubeconfig
		  ${pre}bin/wharf get nodes
		  ${pre}bin/wharf new-project hack --display-name="Hack Night"
		  ${pre}bin/wharf run hello --image=hello -n hack
	MSG
	[[ -z "$NETNS" ]] || printf '\n  (the cluster lives in network namespace %s: run clients with "ip netns exec %s")\n' "$NETNS" "$NETNS"
}

on_error() {
	printf '\nlocal-up: FAILED. Logs are in %s; hack/local-down.sh --dir %s cleans up.\n' "$DIR/logs" "$DIR" >&2
}

main() {
	parse_args "$@"
	trap 'rc=$?; ((rc == 0)) || on_error' EXIT
	ensure_deps
	setup_dir
	build
	setup_netns
	start_control_plane
	start_node
	usage_note
	if ((VERBOSE)); then
		log "following logs (Ctrl-C stops following; the cluster keeps running)"
		tail -n +1 -F "$DIR"/logs/*.log || true
	fi
}

main "$@"
