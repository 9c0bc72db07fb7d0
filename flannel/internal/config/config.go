// Package config reads flannel's network configuration, net-conf.json, in
// upstream's format:
//
//	{"Network":"10.244.0.0/16","SubnetLen":24,"Backend":{"Type":"vxlan","VNI":1,"Port":8472}}
//
// It comes from the key net-conf.json of the ConfigMap kube-system/kube-flannel-cfg
// or from a file (--net-conf). Parse fills upstream's defaults and rejects
// anything wharf-flannel cannot serve (only the vxlan backend over IPv4).
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Where the network configuration lives in the API.
const (
	ConfigMapNamespace = "kube-system"
	ConfigMapName      = "kube-flannel-cfg"
	ConfigMapKey       = "net-conf.json"
)

// Defaults, as upstream flannel's vxlan backend.
const (
	DefaultVNI       = 1
	DefaultPort      = 8472
	DefaultSubnetLen = 24
	BackendVXLAN     = "vxlan"
)

// NetConf is the parsed network configuration.
type NetConf struct {
	// Network is the whole pod network, for example 10.244.0.0/16.
	Network netip.Prefix
	// SubnetLen is the prefix length of one node's subnet.
	SubnetLen int
	// Backend is the backend type; always "vxlan".
	Backend string
	// VNI and Port configure the VXLAN device.
	VNI  int
	Port int
}

type rawConf struct {
	Network   string
	SubnetLen int
	Backend   *rawBackend
}

type rawBackend struct {
	Type string
	VNI  int
	Port int
}

// Parse parses and validates net-conf.json, filling in defaults.
func Parse(data []byte) (*NetConf, error) {
	var raw rawConf
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("net-conf.json: %w", err)
	}
	if raw.Network == "" {
		return nil, errors.New("net-conf.json: Network is required")
	}
	network, err := netip.ParsePrefix(raw.Network)
	if err != nil {
		return nil, fmt.Errorf("net-conf.json: Network: %w", err)
	}
	if !network.Addr().Is4() {
		return nil, fmt.Errorf("net-conf.json: Network %s: only IPv4 is supported", network)
	}
	nc := &NetConf{Network: network.Masked(), SubnetLen: raw.SubnetLen, Backend: BackendVXLAN,
		VNI: DefaultVNI, Port: DefaultPort}
	if nc.SubnetLen == 0 {
		nc.SubnetLen = DefaultSubnetLen
	}
	if nc.SubnetLen <= network.Bits() || nc.SubnetLen > 30 {
		return nil, fmt.Errorf("net-conf.json: SubnetLen %d must be in (%d, 30]", nc.SubnetLen, network.Bits())
	}
	if b := raw.Backend; b != nil {
		if b.Type != "" && !strings.EqualFold(b.Type, BackendVXLAN) {
			return nil, fmt.Errorf("net-conf.json: backend type %q is not supported (only vxlan)", b.Type)
		}
		if b.VNI != 0 {
			nc.VNI = b.VNI
		}
		if b.Port != 0 {
			nc.Port = b.Port
		}
	}
	if nc.VNI < 0 || nc.VNI > 1<<24-1 {
		return nil, fmt.Errorf("net-conf.json: VNI %d out of range [0, 16777215]", nc.VNI)
	}
	if nc.Port < 1 || nc.Port > 65535 {
		return nil, fmt.Errorf("net-conf.json: Port %d out of range [1, 65535]", nc.Port)
	}
	return nc, nil
}

// FromConfigMap parses the net-conf.json key of cm.
func FromConfigMap(cm *corev1.ConfigMap) (*NetConf, error) {
	data, ok := cm.Data[ConfigMapKey]
	if !ok {
		return nil, fmt.Errorf("configmap %s/%s has no key %s", cm.Namespace, cm.Name, ConfigMapKey)
	}
	nc, err := Parse([]byte(data))
	if err != nil {
		return nil, fmt.Errorf("configmap %s/%s: %w", cm.Namespace, cm.Name, err)
	}
	return nc, nil
}

// FromFile parses the net-conf.json file at path.
func FromFile(path string) (*NetConf, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read net-conf: %w", err)
	}
	nc, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nc, nil
}
