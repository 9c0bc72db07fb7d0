package app

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/kubelet/internal/crilog"
	"github.com/wharfhq/wharf/proto/client"
)

var criLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) [PF] `)

// TestContainerLogs: a container's output lands in a CRI-format file
// under the pod logs directory, is rotated by size, and pods/log serves
// it with timestamps, tailLines across rotation and follow across
// rotations.
func TestContainerLogs(t *testing.T) {
	logDir := t.TempDir()
	cl, _ := newTLSCluster(t, func(o *Options) {
		o.PodLogsDir, o.ContainerLogMaxSize, o.ContainerLogMaxFiles = logDir, 4096, 3
	})
	pod := cl.createPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "chatty"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Image: "tools", Command: []string{"sh", "-c", `i=0; while true; do echo "line-$i"; echo "err-$i" >&2; i=$((i+1)); sleep 0.02; done`},
	}}}})
	cl.waitPod(pod.Name, "running", running)
	path := filepath.Join(logDir, "default_chatty_"+string(pod.UID), "c", "0.log")
	waitFile(t, path, " stderr F err-")
	for _, l := range strings.Split(strings.TrimSpace(readFile(t, path)), "\n") {
		if !criLine.MatchString(l) {
			t.Fatalf("not a CRI log line: %q", l)
		}
	}
	rotated := waitRotated(t, path, 2)
	if len(rotated) > 2 {
		t.Errorf("%d rotated files, want at most 2 (max files 3)", len(rotated))
	}
	ctx := context.Background()
	tail := int64(4)
	got := podLogs(t, cl, pod.Name, &corev1.PodLogOptions{TailLines: &tail, Timestamps: true})
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("tailLines=4 gave %q", got)
	}
	for _, l := range lines {
		ts, msg, _ := strings.Cut(l, " ")
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || (!strings.HasPrefix(msg, "line-") && !strings.HasPrefix(msg, "err-")) {
			t.Errorf("timestamped line %q", l)
		}
	}
	fctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	one := int64(1)
	rc, err := client.PodLogs(fctx, cl.c, "default", pod.Name, &corev1.PodLogOptions{Follow: true, TailLines: &one})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	last := checkFollowAcrossRotation(t, bufio.NewScanner(rc), path, rotated)
	// A restarted kubelet copies the running container's output again.
	cl.stop()
	cl.start()
	waitFile(t, path, fmt.Sprintf(" stdout F line-%d\n", last+100))
}

// checkFollowAcrossRotation reads stdout lines until the log rotated
// twice more and checks none is missing; it returns the last number.
func checkFollowAcrossRotation(t *testing.T, sc *bufio.Scanner, path string, before []string) int {
	t.Helper()
	last, rotations := -1, 0
	seen := map[string]bool{}
	for _, p := range before {
		seen[p] = true
	}
	for rotations < 2 && sc.Scan() {
		n, ok := strings.CutPrefix(sc.Text(), "line-")
		if !ok {
			continue
		}
		i, err := strconv.Atoi(n)
		if err != nil {
			t.Fatalf("line %q", sc.Text())
		}
		if last >= 0 && i != last+1 {
			t.Fatalf("follow skipped from line-%d to line-%d", last, i)
		}
		last = i
		now, _ := crilog.Rotated(path)
		for _, p := range now {
			if !seen[p] {
				seen[p] = true
				rotations++
			}
		}
	}
	if rotations < 2 {
		t.Fatalf("follow ended after line-%d (%v)", last, sc.Err())
	}
	return last
}

func podLogs(t *testing.T, cl *cluster, name string, opts *corev1.PodLogOptions) string {
	t.Helper()
	rc, err := client.PodLogs(context.Background(), cl.c, "default", name, opts)
	if err != nil {
		t.Fatalf("pods/log: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func waitRotated(t *testing.T, path string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := crilog.Rotated(path); err == nil && len(r) >= n {
			return r
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: fewer than %d rotated files", path, n)
	return nil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
