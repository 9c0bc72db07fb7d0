package pods

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ServiceLister lists Services for service-link env vars; the kubelet
// backs it with an informer over all namespaces.
type ServiceLister interface {
	// ServicesIn returns the Services of one namespace.
	ServicesIn(namespace string) []*corev1.Service
}

// masterServiceNamespace holds the `kubernetes` Service every pod sees.
const masterServiceNamespace = "default"

// serviceEnv computes upstream's service environment variables for pod:
// every Service of its namespace with a ClusterIP when enableServiceLinks
// (default true), plus `kubernetes` from default. It is pure.
func serviceEnv(pod *corev1.Pod, lister ServiceLister) map[string]string {
	if lister == nil {
		return nil
	}
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	byName := map[string]*corev1.Service{}
	for _, s := range lister.ServicesIn(masterServiceNamespace) {
		if s.Name == "kubernetes" {
			byName[s.Name] = s
		}
	}
	if links {
		for _, s := range lister.ServicesIn(pod.Namespace) {
			byName[s.Name] = s
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	out := map[string]string{}
	for _, n := range names {
		for _, e := range serviceVars(byName[n]) {
			out[e.Name] = e.Value
		}
	}
	return out
}

// serviceVars is upstream's envvars.FromServices for one Service.
func serviceVars(s *corev1.Service) []corev1.EnvVar {
	ip := s.Spec.ClusterIP
	if ip == "" || ip == corev1.ClusterIPNone || len(s.Spec.Ports) == 0 {
		return nil
	}
	prefix := envName(s.Name)
	out := []corev1.EnvVar{
		{Name: prefix + "_SERVICE_HOST", Value: ip},
		{Name: prefix + "_SERVICE_PORT", Value: strconv.Itoa(int(s.Spec.Ports[0].Port))},
	}
	for _, p := range s.Spec.Ports {
		if p.Name != "" {
			out = append(out, corev1.EnvVar{Name: prefix + "_SERVICE_PORT_" + envName(p.Name), Value: strconv.Itoa(int(p.Port))})
		}
	}
	for i, p := range s.Spec.Ports {
		proto := string(corev1.ProtocolTCP)
		if p.Protocol != "" {
			proto = string(p.Protocol)
		}
		lower := strings.ToLower(proto)
		hostPort := net.JoinHostPort(ip, strconv.Itoa(int(p.Port)))
		if i == 0 {
			out = append(out, corev1.EnvVar{Name: prefix + "_PORT", Value: lower + "://" + hostPort})
		}
		pp := fmt.Sprintf("%s_PORT_%d_%s", prefix, p.Port, strings.ToUpper(proto))
		out = append(out,
			corev1.EnvVar{Name: pp, Value: lower + "://" + hostPort},
			corev1.EnvVar{Name: pp + "_PROTO", Value: lower},
			corev1.EnvVar{Name: pp + "_PORT", Value: strconv.Itoa(int(p.Port))},
			corev1.EnvVar{Name: pp + "_ADDR", Value: ip},
		)
	}
	return out
}

// envName is upstream's makeEnvVariableName.
func envName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
}
