package main_test

import (
	"regexp"
	"testing"
)

// TestExecAndPortForwardErrors: the streaming commands fail cleanly
// before or at the apiserver (the happy path needs a kubelet: hack/e2e's
// exec scenario).
func TestExecAndPortForwardErrors(t *testing.T) {
	c := newCluster(t)
	c.ok(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"unscheduled"},"spec":{"containers":[{"name":"c","image":"x"}]}}`, "create", "-f", "-")
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"exec", "nosuch", "--", "ls"}, `^Error from server \(NotFound\): pods "nosuch" not found\n$`},
		{[]string{"exec", "unscheduled"}, `^error: expected POD -- COMMAND`},
		{[]string{"exec", "unscheduled", "--", "ls"}, `^error: unable to upgrade connection: pod unscheduled does not have a host assigned\n$`},
		{[]string{"exec", "unscheduled", "-c", "zz", "--", "ls"}, `container zz is not valid for pod unscheduled`},
		{[]string{"port-forward", "unscheduled", "99999"}, `^error: invalid remote port "99999"`},
		{[]string{"port-forward", "unscheduled"}, `^error: expected POD and at least one`},
		{[]string{"port-forward", "nosuch", "8080"}, `^Error from server \(NotFound\): pods "nosuch" not found\n$`},
	} {
		_, errOut, code := c.run("", tc.args...)
		if code != 1 || !regexp.MustCompile(tc.stderr).MatchString(errOut) {
			t.Errorf("wharf %v: exit %d, stderr %q; want 1 and %q", tc.args, code, errOut, tc.stderr)
		}
	}
}
