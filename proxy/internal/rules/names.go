package rules

import (
	"crypto/sha256"
	"encoding/base32"
	"net"
	"strconv"
)

// Chain name prefixes; every chain this package makes starts with "KUBE-".
const (
	prefixSVC = "KUBE-SVC-"
	prefixSVL = "KUBE-SVL-"
	prefixEXT = "KUBE-EXT-"
	prefixSEP = "KUBE-SEP-"
)

// Fixed chains.
const (
	ChainServices         = "KUBE-SERVICES"
	ChainNodePorts        = "KUBE-NODEPORTS"
	ChainMarkMasq         = "KUBE-MARK-MASQ"
	ChainPostrouting      = "KUBE-POSTROUTING"
	ChainForward          = "KUBE-FORWARD"
	ChainExternalServices = "KUBE-EXTERNAL-SERVICES"
	ChainProxyFirewall    = "KUBE-PROXY-FIREWALL"
)

// IsHashed reports whether chain is a per-service chain (KUBE-SVC-, SVL-,
// EXT-, SEP-) that a sync may create and delete.
func IsHashed(chain string) bool {
	if len(chain) < len(prefixSVC) {
		return false
	}
	switch chain[:len(prefixSVC)] {
	case prefixSVC, prefixSVL, prefixEXT, prefixSEP:
		return true
	}
	return false
}

func hash16(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base32.StdEncoding.EncodeToString(sum[:])[:16]
}

// portProtoHash is upstream's portProtoHash.
func portProtoHash(s *ServicePort) string {
	return hash16(s.String() + string(s.Protocol))
}

// SVCChain is the KUBE-SVC chain name of s.
func SVCChain(s *ServicePort) string { return prefixSVC + portProtoHash(s) }

// SVLChain is the KUBE-SVL chain name of s.
func SVLChain(s *ServicePort) string { return prefixSVL + portProtoHash(s) }

// EXTChain is the KUBE-EXT chain name of s.
func EXTChain(s *ServicePort) string { return prefixEXT + portProtoHash(s) }

// SEPChain is the KUBE-SEP chain name of endpoint ep of s.
func SEPChain(s *ServicePort, ep *Endpoint) string {
	return prefixSEP + hash16(s.String()+string(s.Protocol)+epString(ep))
}

func epString(ep *Endpoint) string {
	return net.JoinHostPort(ep.IP, strconv.Itoa(int(ep.Port)))
}
