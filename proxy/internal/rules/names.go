package rules

import (
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"
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

// hash16 is the first 16 characters of base32(sha256(input)).
func hash16(input []byte) string {
	sum := sha256.Sum256(input)
	var enc [56]byte
	base32.StdEncoding.Encode(enc[:], sum[:])
	return string(enc[:16])
}

// appendPortProto appends s.String() + s.Protocol, the input of upstream's
// hashes, to b.
func appendPortProto(b []byte, s *ServicePort) []byte {
	b = append(append(append(b, s.Namespace...), '/'), s.Name...)
	if s.PortName != "" {
		b = append(append(b, ':'), s.PortName...)
	}
	return append(b, s.Protocol...)
}

// appendEndpointString appends epString(ep) to b.
func appendEndpointString(b []byte, ep *Endpoint) []byte {
	if strings.IndexByte(ep.IP, ':') >= 0 {
		b = append(append(append(b, '['), ep.IP...), ']')
	} else {
		b = append(b, ep.IP...)
	}
	return strconv.AppendInt(append(b, ':'), int64(ep.Port), 10)
}

// portProtoHash is upstream's portProtoHash.
func portProtoHash(s *ServicePort) string {
	var buf [128]byte
	return hash16(appendPortProto(buf[:0], s))
}

// SVCChain is the KUBE-SVC chain name of s.
func SVCChain(s *ServicePort) string { return prefixSVC + portProtoHash(s) }

// SVLChain is the KUBE-SVL chain name of s.
func SVLChain(s *ServicePort) string { return prefixSVL + portProtoHash(s) }

// EXTChain is the KUBE-EXT chain name of s.
func EXTChain(s *ServicePort) string { return prefixEXT + portProtoHash(s) }

// SEPChain is the KUBE-SEP chain name of endpoint ep of s.
func SEPChain(s *ServicePort, ep *Endpoint) string {
	var buf [128]byte
	return prefixSEP + hash16(appendEndpointString(appendPortProto(buf[:0], s), ep))
}

func epString(ep *Endpoint) string {
	var buf [64]byte
	return string(appendEndpointString(buf[:0], ep))
}
