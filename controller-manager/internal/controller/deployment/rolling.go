package deployment

import (
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file is the pure arithmetic of a rollout. Counts come from
// ReplicaSet spec.replicas (what we asked for) and status (what exists);
// the availability of a ReplicaSet is capped by its spec.replicas, since
// the ReplicaSet controller will delete the surplus pods.

func replicasOf(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func specOf(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

// availableOf is rs's available pods, at most its spec.replicas.
func availableOf(rs *appsv1.ReplicaSet) int32 {
	if rs == nil {
		return 0
	}
	return min(rs.Status.AvailableReplicas, specOf(rs))
}

// podsOf is an upper bound on rs's pods: the larger of asked and observed.
func podsOf(rs *appsv1.ReplicaSet) int32 {
	if rs == nil {
		return 0
	}
	return max(specOf(rs), rs.Status.Replicas)
}

func isRolling(d *appsv1.Deployment) bool {
	return d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType
}

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against the desired replicas; both zero means unavailable 1.
func fenceposts(d *appsv1.Deployment) (surge, unavailable int32) {
	var ms, mu *intstr.IntOrString
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		ms, mu = ru.MaxSurge, ru.MaxUnavailable
	}
	desired := int(replicasOf(d))
	quarter := intstr.FromString("25%")
	s, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(ms, quarter), desired, true)
	if err != nil {
		s = 0
	}
	u, err := intstr.GetScaledValueFromIntOrPercent(intstr.ValueOrDefault(mu, quarter), desired, false)
	if err != nil {
		u = 0
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(u)
}

func maxSurge(d *appsv1.Deployment) int32 {
	if !isRolling(d) {
		return 0
	}
	s, _ := fenceposts(d)
	return s
}

func maxUnavailable(d *appsv1.Deployment) int32 {
	if !isRolling(d) || replicasOf(d) == 0 {
		return 0
	}
	_, u := fenceposts(d)
	return min(u, replicasOf(d))
}

// newRSReplicas is how big the new ReplicaSet may be now: all of
// spec.replicas for Recreate; for RollingUpdate as much as the surge
// budget (replicas+maxSurge minus the pods of every ReplicaSet) allows.
func newRSReplicas(d *appsv1.Deployment, all []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) int32 {
	want := replicasOf(d)
	if !isRolling(d) {
		return want
	}
	var current int32
	for _, rs := range all {
		current += podsOf(rs)
	}
	cur := specOf(newRS)
	budget := want + maxSurge(d) - current
	if budget <= 0 {
		return cur
	}
	return cur + max(0, min(budget, want-cur))
}

// planOldScaleDown returns target sizes for old ReplicaSets such that at
// least replicas-maxUnavailable pods stay available: first unhealthy
// replicas go (oldest ReplicaSet first), then available ones beyond the
// minimum.
func planOldScaleDown(d *appsv1.Deployment, old []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet) map[string]int32 {
	all := append(append([]*appsv1.ReplicaSet(nil), old...), newRS)
	var oldCount, allCount int32
	for _, rs := range old {
		oldCount += specOf(rs)
	}
	for _, rs := range all {
		allCount += specOf(rs)
	}
	minAvailable := replicasOf(d) - maxUnavailable(d)
	maxScaledDown := allCount - minAvailable - (specOf(newRS) - availableOf(newRS))
	if oldCount == 0 || maxScaledDown <= 0 {
		return nil
	}
	sorted := append([]*appsv1.ReplicaSet(nil), old...)
	byCreation(sorted)
	targets := map[string]int32{}
	size := func(rs *appsv1.ReplicaSet) int32 {
		if t, ok := targets[rs.Name]; ok {
			return t
		}
		return specOf(rs)
	}
	var cleaned int32
	for _, rs := range sorted {
		unhealthy := specOf(rs) - availableOf(rs)
		if cleaned >= maxScaledDown || unhealthy <= 0 {
			continue
		}
		n := min(maxScaledDown-cleaned, unhealthy)
		targets[rs.Name] = specOf(rs) - n
		cleaned += n
	}
	var available int32
	for _, rs := range all {
		if rs != nil {
			available += min(availableOf(rs), size(rs))
		}
	}
	toScale := available - minAvailable
	for _, rs := range sorted {
		if toScale <= 0 {
			break
		}
		if r := size(rs); r > 0 {
			n := min(r, toScale)
			targets[rs.Name] = r - n
			toScale -= n
		}
	}
	return targets
}

// isScalingEvent reports whether spec.replicas changed since the active
// ReplicaSets were last sized (their desired-replicas annotation).
func isScalingEvent(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) bool {
	want := strconv.Itoa(int(replicasOf(d)))
	for _, rs := range rss {
		if specOf(rs) > 0 && rs.Annotations[DesiredReplicasAnnotation] != want {
			return true
		}
	}
	return false
}

// planScale sizes the ReplicaSets after spec.replicas changed: a single
// active (or the newest) ReplicaSet takes all replicas; a saturated new
// ReplicaSet retires the old ones; otherwise the difference to
// replicas+maxSurge is spread over the active ReplicaSets in proportion to
// their size, leftovers to the largest.
func planScale(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) map[string]int32 {
	var active []*appsv1.ReplicaSet
	for _, rs := range append(append([]*appsv1.ReplicaSet(nil), old...), newRS) {
		if rs != nil && specOf(rs) > 0 {
			active = append(active, rs)
		}
	}
	want := replicasOf(d)
	switch {
	case len(active) == 0 && newRS != nil:
		return map[string]int32{newRS.Name: want}
	case len(active) == 1:
		return map[string]int32{active[0].Name: want}
	case newRS != nil && specOf(newRS) == want && availableOf(newRS) == want:
		targets := map[string]int32{}
		for _, rs := range old {
			targets[rs.Name] = 0
		}
		return targets
	case len(active) == 0 || !isRolling(d):
		return nil
	}
	var total int32
	for _, rs := range active {
		total += specOf(rs)
	}
	diff := want + maxSurge(d) - total
	if diff == 0 {
		return nil
	}
	sort.SliceStable(active, func(i, j int) bool { return specOf(active[i]) > specOf(active[j]) })
	targets := map[string]int32{}
	var given int32
	for _, rs := range active {
		share := diff * specOf(rs) / total
		if diff < 0 {
			share = max(share, -specOf(rs))
		}
		targets[rs.Name] = specOf(rs) + share
		given += share
	}
	first := active[0].Name
	targets[first] = max(0, targets[first]+diff-given)
	return targets
}
