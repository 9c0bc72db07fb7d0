package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The taints this controller manages.
const (
	TaintUnreachable = corev1.TaintNodeUnreachable // node.kubernetes.io/unreachable
	TaintNotReady    = corev1.TaintNodeNotReady    // node.kubernetes.io/not-ready
)

// DefaultTolerationSeconds is what upstream's DefaultTolerationSeconds
// admission plugin gives pods for the not-ready and unreachable taints.
const DefaultTolerationSeconds = 300

func managed(key string) bool { return key == TaintUnreachable || key == TaintNotReady }

// ReadyCondition returns the node's Ready condition, if any.
func ReadyCondition(n *corev1.Node) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeReady {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

// DesiredTaints returns node's taints with the managed ones set from its
// Ready condition: False → not-ready, Unknown → unreachable (each with
// NoSchedule and NoExecute), True or missing → neither. Taints that stay
// keep their timeAdded; new NoExecute taints are stamped now.
func DesiredTaints(n *corev1.Node, now time.Time) []corev1.Taint {
	var key string
	if rc := ReadyCondition(n); rc != nil {
		switch rc.Status {
		case corev1.ConditionFalse:
			key = TaintNotReady
		case corev1.ConditionUnknown:
			key = TaintUnreachable
		}
	}
	var out []corev1.Taint
	for _, t := range n.Spec.Taints {
		if !managed(t.Key) || t.Key == key {
			out = append(out, t)
		}
	}
	if key == "" {
		return out
	}
	ts := metav1.NewTime(now)
	for _, eff := range []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute} {
		if hasTaint(out, key, eff) {
			continue
		}
		t := corev1.Taint{Key: key, Effect: eff}
		if eff == corev1.TaintEffectNoExecute {
			t.TimeAdded = &ts
		}
		out = append(out, t)
	}
	return out
}

func hasTaint(ts []corev1.Taint, key string, eff corev1.TaintEffect) bool {
	for _, t := range ts {
		if t.Key == key && t.Effect == eff {
			return true
		}
	}
	return false
}

// SameTaints reports whether a and b hold the same taints (by key, value
// and effect), in any order.
func SameTaints(a, b []corev1.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range a {
		found := false
		for _, u := range b {
			if t.Key == u.Key && t.Value == u.Value && t.Effect == u.Effect {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// tolerates reports whether tol tolerates taint (upstream's rules without
// the numeric Gt/Lt operators).
func tolerates(tol corev1.Toleration, taint corev1.Taint) bool {
	if tol.Effect != "" && tol.Effect != taint.Effect {
		return false
	}
	if tol.Key == "" {
		return tol.Operator == corev1.TolerationOpExists
	}
	if tol.Key != taint.Key {
		return false
	}
	switch tol.Operator {
	case corev1.TolerationOpExists:
		return true
	case "", corev1.TolerationOpEqual:
		return tol.Value == taint.Value
	}
	return false
}

// EvictionTime says when pod must leave a node with taints: evict is false
// when the pod tolerates every NoExecute taint forever. A pod without any
// toleration for the not-ready/unreachable taints is treated as having
// the default one of defaultSeconds (the DefaultTolerationSeconds
// admission plugin's); other untolerated NoExecute taints evict at once.
func EvictionTime(pod *corev1.Pod, taints []corev1.Taint, defaultSeconds int64) (at time.Time, evict bool) {
	for _, taint := range taints {
		if taint.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		added := time.Time{}
		if taint.TimeAdded != nil {
			added = taint.TimeAdded.Time
		}
		secs, forever, tolerated := tolerationFor(pod.Spec.Tolerations, taint)
		if !tolerated && managed(taint.Key) {
			secs, tolerated = defaultSeconds, true
		}
		if forever {
			continue
		}
		t := added
		if tolerated {
			t = added.Add(time.Duration(secs) * time.Second)
		}
		if !evict || t.Before(at) {
			at, evict = t, true
		}
	}
	return at, evict
}

// tolerationFor finds the tolerations of taint: forever if one has no
// tolerationSeconds, else the smallest seconds (negative counts as 0).
func tolerationFor(tols []corev1.Toleration, taint corev1.Taint) (secs int64, forever, tolerated bool) {
	first := true
	for _, tol := range tols {
		if !tolerates(tol, taint) {
			continue
		}
		tolerated = true
		if tol.TolerationSeconds == nil {
			return 0, true, true
		}
		s := max(*tol.TolerationSeconds, 0)
		if first || s < secs {
			secs, first = s, false
		}
	}
	return secs, false, tolerated
}
