package validation

import (
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func pathType(t networkingv1.PathType) *networkingv1.PathType { return &t }

func backend(name string, port int32) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: port}}}
}

func ingress(paths ...networkingv1.HTTPIngressPath) *networkingv1.Ingress {
	return &networkingv1.Ingress{Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
		Host: "example.com", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}},
	}}}}
}

func wantErrs(t *testing.T, name string, errs field.ErrorList, want ...string) {
	t.Helper()
	if len(want) == 0 && len(errs) != 0 {
		t.Errorf("%s: unexpected errors %v", name, errs)
		return
	}
	for _, w := range want {
		if !strings.Contains(errs.ToAggregate().Error(), w) {
			t.Errorf("%s: %v lacks %q", name, errs, w)
		}
	}
}

func TestIngress(t *testing.T) {
	ok := networkingv1.HTTPIngressPath{Path: "/api", PathType: pathType(networkingv1.PathTypePrefix), Backend: backend("web", 80)}
	wantErrs(t, "valid", Ingress(ingress(ok)))
	wantErrs(t, "empty", Ingress(&networkingv1.Ingress{}), "either `defaultBackend` or `rules` must be specified")
	noType := ok
	noType.PathType = nil
	wantErrs(t, "no pathType", Ingress(ingress(noType)), "spec.rules[0].http.paths[0].pathType: Required value")
	relative := ok
	relative.Path = "api"
	wantErrs(t, "relative path", Ingress(ingress(relative)), "spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be an absolute path")
	badPort := ok
	badPort.Backend = backend("web", 70000)
	wantErrs(t, "bad port", Ingress(ingress(badPort)), "spec.rules[0].http.paths[0].backend.service.port.number")
	noBackend := ok
	noBackend.Backend = networkingv1.IngressBackend{}
	wantErrs(t, "no backend", Ingress(ingress(noBackend)), "resource or service backend is required")
}

func TestNetworkPolicyAndIngressClass(t *testing.T) {
	tcp := intstr.FromInt32(80)
	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		PolicyTypes: []networkingv1.PolicyType{"Ingress"},
		Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: &tcp}}}},
	}}
	wantErrs(t, "valid policy", NetworkPolicy(np))
	np.Spec.PolicyTypes = []networkingv1.PolicyType{"Sideways"}
	wantErrs(t, "bad policy type", NetworkPolicy(np), `spec.policyTypes[0]: Unsupported value: "Sideways"`)
	wantErrs(t, "class", IngressClass(&networkingv1.IngressClass{Spec: networkingv1.IngressClassSpec{Controller: "example.com/ingress"}}))
	wantErrs(t, "class without controller", IngressClass(&networkingv1.IngressClass{}), "spec.controller: Required value")
}
