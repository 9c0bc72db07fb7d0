package app

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestAdmissionOverHTTP(t *testing.T) {
	e := startSecure(t, nil)
	admin := e.client(nil, "admin", "system:masters")
	e.must(admin, "POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"q"}}`, 201)
	// ServiceAccount: a default SA is made and its token mounted.
	var p corev1.Pod
	body := e.must(admin, "POST", "/api/v1/namespaces/q/pods", strings.Replace(podJSON, `"p"`, `"first"`, 1), 201)
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if p.Spec.ServiceAccountName != "default" || len(p.Spec.Volumes) != 1 || p.Spec.Volumes[0].Projected == nil ||
		p.Spec.Containers[0].VolumeMounts[0].MountPath != "/var/run/secrets/kubernetes.io/serviceaccount" {
		t.Errorf("pod spec %+v", p.Spec)
	}
	e.must(admin, "GET", "/api/v1/namespaces/q/serviceaccounts/default", "", 200)
	if cm := e.must(admin, "GET", "/api/v1/namespaces/q/configmaps/kube-root-ca.crt", "", 200); !strings.Contains(cm, "BEGIN CERTIFICATE") {
		t.Errorf("kube-root-ca.crt: %s", cm)
	}
	// LimitRange defaults and ResourceQuota on the pod count.
	e.must(admin, "POST", "/api/v1/namespaces/q/limitranges", `{"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"lr"},
		"spec":{"limits":[{"type":"Container","defaultRequest":{"cpu":"250m"},"default":{"cpu":"500m"}}]}}`, 201)
	e.must(admin, "POST", "/api/v1/namespaces/q/resourcequotas", `{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"small"},
		"spec":{"hard":{"pods":"2","requests.cpu":"1"}}}`, 201)
	waitFor(t, func() bool { // the LimitRanger reads the watch cache
		_, b := e.do(admin, "GET", "/api/v1/namespaces/q/limitranges?resourceVersion=0", "")
		return strings.Contains(b, `"name":"lr"`)
	})
	body = e.must(admin, "POST", "/api/v1/namespaces/q/pods", strings.Replace(podJSON, `"p"`, `"second"`, 1), 201)
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if got := p.Spec.Containers[0].Resources.Requests.Cpu().String(); got != "250m" {
		t.Errorf("defaulted cpu request %q", got)
	}
	code, body := e.do(admin, "POST", "/api/v1/namespaces/q/pods", strings.Replace(podJSON, `"p"`, `"third"`, 1))
	if st := statusMessage(t, body); code != 403 || !strings.Contains(st.Message, `pods "third" is forbidden: exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2`) {
		t.Errorf("over quota: %d %s", code, body)
	}
	if code, _ := e.do(admin, "GET", "/api/v1/namespaces/q/pods/third", ""); code != 404 {
		t.Errorf("refused pod exists: %d", code)
	}
}
