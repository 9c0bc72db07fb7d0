package kubectl

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/hack/internal/gobuild"
)

// ages matches the AGE-style durations kubectl prints ("5s", "3m2s",
// "2d"), which may tick between the two commands being compared.
var ages = regexp.MustCompile(`\b\d+(s|m\d*s?|h\d*m?|d\d*h?|y\d*d?)\b`)

// TestWharfMatchesKubectl runs the same read commands through upstream
// kubectl and the wharf CLI against one apiserver and requires identical
// output: -o json and -o yaml byte for byte, tables up to their ages.
func TestWharfMatchesKubectl(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	wharfBin := filepath.Join(t.TempDir(), "wharf")
	if err := gobuild.Build(ctx, "./cli/cmd/wharf", wharfBin, ""); err != nil {
		t.Fatal(err)
	}
	s := apiservertest.Start(t)
	k := newKubectl(t, s)
	dir := t.TempDir()
	k.must("create", "-f", writeFile(t, dir, "pod.yaml"))
	k.must("apply", "-f", writeFile(t, dir, "deploy.yaml"))
	k.must("create", "configmap", "settings", "--from-literal=mode=fast")
	k.must("create", "service", "clusterip", "web", "--tcp=80:8080")

	wharf := func(args ...string) string {
		c := exec.CommandContext(ctx, wharfBin, append([]string{"--kubeconfig", s.Kubeconfig}, args...)...)
		c.Env = append(os.Environ(), "HOME="+t.TempDir())
		var out, errOut bytes.Buffer
		c.Stdout, c.Stderr = &out, &errOut
		if err := c.Run(); err != nil {
			t.Fatalf("wharf %s: %v: %s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	for _, args := range [][]string{
		{"get", "pods", "-o", "json"},
		{"get", "deployment", "-o", "yaml"},
		{"get", "configmap", "settings", "-o", "json"},
		{"get", "services", "-o", "json"},
		{"get", "pods", "-o", "name"},
		{"get", "all", "-o", "name"},
		{"get", "pods"},
		{"get", "pods", "-o", "wide", "--show-labels"},
		{"get", "deployments", "-o", "wide"},
		{"get", "services"},
		{"get", "namespaces"},
		{"get", "pods,services", "-A"},
		{"get", "configmaps", "-o", "jsonpath={.items[*].metadata.name}"},
	} {
		want, got := k.must(args...), wharf(args...)
		if ages.ReplaceAllString(want, "<age>") != ages.ReplaceAllString(got, "<age>") {
			t.Errorf("%s differs\nkubectl:\n%s\nwharf:\n%s", strings.Join(args, " "), want, got)
		}
	}
}
