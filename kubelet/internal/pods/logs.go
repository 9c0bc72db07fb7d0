package pods

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Pods returns every pod bound to this node that the kubelet knows.
// Static pods are included, mirror pods are not.
func (c *Controller) Pods() []*corev1.Pod { return c.allPods() }

// LogFiles returns the log files of a pod container's attempts, newest
// first, from <log dir>/<ns>_<pod>_<uid>/<container>/<attempt>.log
// (rotated files, <attempt>.log.<time>, are not listed).
func (c *Controller) LogFiles(ns, name, container string) ([]string, error) {
	pod, _, ok := c.podFor(ns, name)
	if !ok {
		return nil, fmt.Errorf("pod %s/%s not found on this node", ns, name)
	}
	if findContainer(pod, container) == nil {
		return nil, fmt.Errorf("container %q not found in pod %s/%s", container, ns, name)
	}
	dir := filepath.Join(c.podLogDir(pod), container)
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("logs of %s/%s/%s: %w", ns, name, container, err)
	}
	type att struct {
		n    int
		path string
	}
	var atts []att
	for _, e := range entries {
		if n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".log")); err == nil && strings.HasSuffix(e.Name(), ".log") {
			atts = append(atts, att{n, filepath.Join(dir, e.Name())})
		}
	}
	sort.Slice(atts, func(i, j int) bool { return atts[i].n > atts[j].n })
	out := make([]string, len(atts))
	for i, a := range atts {
		out[i] = a.path
	}
	return out, nil
}
