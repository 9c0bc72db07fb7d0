// Package systemd holds Wharf's systemd unit files, not Go code: one unit per
// binary (wharf-apiserver, wharf-controller-manager, wharf-scheduler,
// wharf-kubelet, wharf-proxy, wharf-flannel), a containerd drop-in, and
// example environment files under env/. docs/install.md explains how an
// admin installs them. The package's test checks the units with
// systemd-analyze verify.
//
// Every unit reads its flags from $WHARF_<COMPONENT>_ARGS in
// /etc/wharf/<component>.env and restarts on failure. Ordering:
//
//	etcd ─▶ wharf-apiserver ─▶ wharf-controller-manager, wharf-scheduler
//	containerd ─▶ wharf-flannel ─▶ wharf-kubelet ; wharf-proxy
package systemd
