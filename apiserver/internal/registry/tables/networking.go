package tables

import (
	"fmt"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/api"
)

// addNetworking adds upstream's Ingress, IngressClass and NetworkPolicy tables.
func addNetworking(r registry) {
	r.add("ingresses", []metav1.TableColumnDefinition{
		nameColumn,
		col("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
		col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
		col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
		col("Ports", "string", "Ports of TLS configurations that open"),
		ageColumn,
	}, func(obj api.Object, now time.Time) []any {
		ing := obj.(*networkingv1.Ingress)
		class := "<none>"
		if ing.Spec.IngressClassName != nil {
			class = *ing.Spec.IngressClassName
		}
		var hosts []string
		for _, rule := range ing.Spec.Rules {
			if rule.Host != "" {
				hosts = append(hosts, rule.Host)
			}
		}
		h := strings.Join(hosts, ",")
		if h == "" {
			h = "*"
		}
		var addrs []string
		for _, lb := range ing.Status.LoadBalancer.Ingress {
			addrs = append(addrs, lb.IP+lb.Hostname)
		}
		ports := "80"
		if len(ing.Spec.TLS) > 0 {
			ports = "80, 443"
		}
		return []any{ing.Name, class, h, strings.Join(addrs, ","), ports, age(ing.CreationTimestamp, now)}
	})
	r.add("ingressclasses", []metav1.TableColumnDefinition{
		nameColumn,
		col("Controller", "string", "Controller that is responsible for handling this class"),
		col("Parameters", "string", "A reference to a resource with additional parameters"),
		ageColumn,
	}, func(obj api.Object, now time.Time) []any {
		c := obj.(*networkingv1.IngressClass)
		params := "<none>"
		if p := c.Spec.Parameters; p != nil {
			params = fmt.Sprintf("%s/%s", p.Kind, p.Name)
		}
		return []any{c.Name, c.Spec.Controller, params, age(c.CreationTimestamp, now)}
	})
	r.add("networkpolicies", []metav1.TableColumnDefinition{
		nameColumn,
		col("Pod-Selector", "string", "Selects the pods to which this NetworkPolicy object applies."),
		ageColumn,
	}, func(obj api.Object, now time.Time) []any {
		np := obj.(*networkingv1.NetworkPolicy)
		return []any{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), age(np.CreationTimestamp, now)}
	})
}
