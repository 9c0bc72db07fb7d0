package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func startPlain(t *testing.T, mutate func(*Options)) *Running {
	t.Helper()
	o := Options{DisableTLS: true, Insecure: true, DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	if mutate != nil {
		mutate(&o)
	}
	r, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func svcJSON(name, typ, ip string, nodePort int) string {
	s := fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":%q},"spec":{"type":%q,`, name, typ)
	if ip != "" {
		s += fmt.Sprintf(`"clusterIP":%q,`, ip)
	}
	return s + fmt.Sprintf(`"ports":[{"port":80,"nodePort":%d}]}}`, nodePort)
}

// Two apiservers on one etcd create 500 Services concurrently: no
// ClusterIP or NodePort is handed out twice.
func TestTwoAPIServersAllocate500ServicesWithoutDuplicates(t *testing.T) {
	a := startPlain(t, nil)
	b := startPlain(t, func(o *Options) {
		o.EtcdServers = a.embedded.Endpoints()
		o.AdvertiseAddress = "127.0.0.2"
	})
	const n = 500
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			base := []*Running{a, b}[i%2].URL()
			typ := []string{"ClusterIP", "NodePort"}[i%2]
			code, body := do(t, "POST", base+"/api/v1/namespaces/default/services", svcJSON(fmt.Sprint("s", i), typ, "", 0))
			if code != 201 {
				errs <- fmt.Sprintf("create s%d: %d %s", i, code, body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	_, body := do(t, "GET", a.URL()+"/api/v1/services", "")
	var list corev1.ServiceList
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	ips, ports := map[string]string{}, map[int32]string{}
	for _, s := range list.Items {
		if o, dup := ips[s.Spec.ClusterIP]; dup || s.Spec.ClusterIP == "" {
			t.Errorf("ClusterIP %q of %s also held by %s", s.Spec.ClusterIP, s.Name, o)
		}
		ips[s.Spec.ClusterIP] = s.Name
		if s.Spec.Type == corev1.ServiceTypeNodePort {
			p := s.Spec.Ports[0].NodePort
			if o, dup := ports[p]; dup || p < 30000 || p > 32767 {
				t.Errorf("NodePort %d of %s also held by %s", p, s.Name, o)
			}
			ports[p] = s.Name
		}
	}
	if len(ips) != n+1 || len(ports) != n/2 {
		t.Errorf("%d IPs (want %d incl. kubernetes), %d ports (want %d)", len(ips), n+1, len(ports), n/2)
	}
	if ips["10.96.0.1"] != "kubernetes" {
		t.Errorf("10.96.0.1 held by %q", ips["10.96.0.1"])
	}
	// Both apiservers are listed in the kubernetes Endpoints.
	waitFor(t, func() bool {
		_, body := do(t, "GET", a.URL()+"/api/v1/namespaces/default/endpoints/kubernetes", "")
		return strings.Contains(string(body), `"127.0.0.1"`) && strings.Contains(string(body), `"127.0.0.2"`)
	})
}

func TestServiceAllocationErrorsAndRelease(t *testing.T) {
	r := startPlain(t, nil)
	svcs := r.URL() + "/api/v1/namespaces/default/services"
	if code, b := do(t, "POST", svcs, svcJSON("a", "NodePort", "10.96.0.50", 30080)); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	for _, c := range []struct{ body, want string }{
		{svcJSON("b", "ClusterIP", "10.96.0.50", 0), "failed to allocate IP 10.96.0.50: provided IP is already allocated"},
		{svcJSON("c", "ClusterIP", "192.168.0.1", 0), "The range of valid IPs is 10.96.0.0/12"},
		{svcJSON("d", "NodePort", "", 30080), "provided port is already allocated"},
		{svcJSON("e", "NodePort", "", 80), "The range of valid ports is 30000-32767"},
		{svcJSON("a", "NodePort", "", 0), "already exists"},
	} {
		code, b := do(t, "POST", svcs, c.body)
		if code/100 != 4 || !strings.Contains(string(b), c.want) {
			t.Errorf("%s: %d %s, want %q", c.body, code, b, c.want)
		}
	}
	// Failed creates left nothing behind: the next automatic IP is the
	// second one (10.96.0.1 is the kubernetes Service).
	code, b := do(t, "POST", svcs, svcJSON("auto", "ClusterIP", "", 0))
	if code != 201 || !strings.Contains(string(b), `"clusterIP":"10.96.0.2"`) {
		t.Errorf("auto: %d %s", code, b)
	}
	if code, b := do(t, "DELETE", svcs+"/a", ""); code != 200 {
		t.Fatalf("delete: %d %s", code, b)
	}
	if code, b := do(t, "POST", svcs, svcJSON("b", "NodePort", "10.96.0.50", 30080)); code != 201 {
		t.Errorf("reuse after delete: %d %s", code, b)
	}
}
