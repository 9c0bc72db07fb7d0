// Package rulestest makes rules.Snapshots for the tests and benchmarks of
// the proxy's backends.
package rulestest

import (
	"fmt"

	"github.com/wharfhq/wharf/proxy/internal/rules"
)

// Synthetic is n TCP services of the given number of ready endpoints each,
// shaped as hack/bench/proxy creates them: service i is default/svc-<i>
// port http on 10.96.<i/250>.<i%250+1>:80, every tenth also on a node
// port, its endpoints 10.<100+j>.<i/250>.<i%250+1>:8080.
func Synthetic(n, endpoints int) *rules.Snapshot {
	s := &rules.Snapshot{ClusterCIDR: "10.0.0.0/8", Services: make([]rules.ServicePort, n)}
	for i := range n {
		sp := rules.ServicePort{Namespace: "default", Name: fmt.Sprintf("svc-%d", i), PortName: "http", Protocol: rules.TCP,
			ClusterIP: fmt.Sprintf("10.96.%d.%d", i/250, i%250+1), Port: 80}
		if i%10 == 0 {
			sp.NodePort = int32(30000 + i%2000)
		}
		for j := range endpoints {
			sp.Endpoints = append(sp.Endpoints, rules.Endpoint{IP: fmt.Sprintf("10.%d.%d.%d", 100+j, i/250, i%250+1), Port: 8080, Ready: true, Serving: true})
		}
		s.Services[i] = sp
	}
	return s
}
