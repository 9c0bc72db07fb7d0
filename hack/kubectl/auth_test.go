package kubectl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
)

// TestKubectlAuthAndEvents drives the review APIs (auth whoami, can-i,
// can-i --list) and the events.k8s.io/v1 view (an Event created there is
// listed by `kubectl events`, which reads core/v1) with upstream kubectl.
func TestKubectlAuthAndEvents(t *testing.T) {
	s := apiservertest.Start(t, apiservertest.WithTLS())
	k := newKubectl(t, s)
	wantContains(t, "auth whoami", k.must("auth", "whoami"), "admin", "system:masters")
	if out := strings.TrimSpace(k.must("auth", "can-i", "create", "pods", "-n", "default")); out != "yes" {
		t.Fatalf("auth can-i create pods: %q", out)
	}
	wantContains(t, "auth can-i --list", k.must("auth", "can-i", "--list", "-n", "default"), "*.*", "selfsubjectaccessreviews.authorization.k8s.io")

	ev := `apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: sched-1, namespace: default}
eventTime: "` + time.Now().UTC().Format("2006-01-02T15:04:05.000000Z") + `"
reportingController: example.com/scheduler
reportingInstance: scheduler-1
action: Binding
reason: Scheduled
note: placed pod web-1 on node-a
type: Normal
regarding: {kind: Pod, namespace: default, name: web-1, apiVersion: v1}
`
	file := filepath.Join(t.TempDir(), "event.yaml")
	if err := os.WriteFile(file, []byte(ev), 0o644); err != nil {
		t.Fatal(err)
	}
	k.must("create", "-f", file)
	wantContains(t, "kubectl events", k.must("events", "-n", "default"), "Scheduled", "Pod/web-1", "placed pod web-1 on node-a")
	wantContains(t, "get events.events.k8s.io table", k.must("get", "events.events.k8s.io", "-n", "default"), "Scheduled", "pod/web-1")
	wantContains(t, "get events.events.k8s.io", k.must("get", "events.v1.events.k8s.io", "-n", "default", "-o", "jsonpath={.items[0].note}"),
		"placed pod web-1 on node-a")
}
