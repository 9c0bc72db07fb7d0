package defaults

import (
	"math"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Workload defaults upstream applies to apps/v1 and batch/v1 objects.
const (
	DefaultRevisionHistoryLimit    = int32(10)
	DefaultProgressDeadlineSeconds = int32(600)
	DefaultBackoffLimit            = int32(6)
)

// ReplicationController defaults: selector and labels from the template
// labels, replicas 1.
func ReplicationController(rc *corev1.ReplicationController) {
	if t := rc.Spec.Template; t != nil && t.Labels != nil {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = copyMap(t.Labels)
		}
		if len(rc.Labels) == 0 {
			rc.Labels = copyMap(t.Labels)
		}
	}
	setIfNil(&rc.Spec.Replicas, 1)
	PodTemplateSpec(rc.Spec.Template)
}

// Deployment defaults: replicas 1, RollingUpdate 25%/25%, revision
// history 10, progress deadline 600s.
func Deployment(d *appsv1.Deployment) {
	setIfNil(&d.Spec.Replicas, 1)
	s := &d.Spec.Strategy
	if s.Type == "" {
		s.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if s.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		setIfNil(&s.RollingUpdate.MaxUnavailable, intstr.FromString("25%"))
		setIfNil(&s.RollingUpdate.MaxSurge, intstr.FromString("25%"))
	}
	setIfNil(&d.Spec.RevisionHistoryLimit, DefaultRevisionHistoryLimit)
	setIfNil(&d.Spec.ProgressDeadlineSeconds, DefaultProgressDeadlineSeconds)
	PodTemplateSpec(&d.Spec.Template)
}

// ReplicaSet defaults: replicas 1.
func ReplicaSet(rs *appsv1.ReplicaSet) {
	setIfNil(&rs.Spec.Replicas, 1)
	PodTemplateSpec(&rs.Spec.Template)
}

// DaemonSet defaults: RollingUpdate with maxUnavailable 1 and maxSurge 0,
// revision history 10.
func DaemonSet(ds *appsv1.DaemonSet) {
	s := &ds.Spec.UpdateStrategy
	if s.Type == "" {
		s.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if s.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		setIfNil(&s.RollingUpdate.MaxUnavailable, intstr.FromInt32(1))
		setIfNil(&s.RollingUpdate.MaxSurge, intstr.FromInt32(0))
	}
	setIfNil(&ds.Spec.RevisionHistoryLimit, DefaultRevisionHistoryLimit)
	PodTemplateSpec(&ds.Spec.Template)
}

// StatefulSet defaults: replicas 1, OrderedReady, RollingUpdate with
// partition 0, revision history 10, PVC retention Retain/Retain.
func StatefulSet(ss *appsv1.StatefulSet) {
	sp := &ss.Spec
	if sp.PodManagementPolicy == "" {
		sp.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	if sp.UpdateStrategy.Type == "" {
		sp.UpdateStrategy.Type = appsv1.RollingUpdateStatefulSetStrategyType
	}
	if sp.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType {
		if sp.UpdateStrategy.RollingUpdate == nil {
			sp.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
		setIfNil(&sp.UpdateStrategy.RollingUpdate.Partition, 0)
	}
	if sp.PersistentVolumeClaimRetentionPolicy == nil {
		sp.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	if sp.PersistentVolumeClaimRetentionPolicy.WhenDeleted == "" {
		sp.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if sp.PersistentVolumeClaimRetentionPolicy.WhenScaled == "" {
		sp.PersistentVolumeClaimRetentionPolicy.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	setIfNil(&sp.Replicas, 1)
	setIfNil(&sp.RevisionHistoryLimit, DefaultRevisionHistoryLimit)
	for i := range sp.VolumeClaimTemplates {
		persistentVolumeClaim(&sp.VolumeClaimTemplates[i])
	}
	PodTemplateSpec(&sp.Template)
}

// Job defaults: completions and parallelism 1 when both unset,
// backoffLimit 6, completionMode NonIndexed, suspend false, labels from
// the template, podReplacementPolicy as upstream.
func Job(j *batchv1.Job) {
	JobSpec(&j.Spec)
	if t := j.Spec.Template.Labels; t != nil && len(j.Labels) == 0 {
		j.Labels = copyMap(t)
	}
}

// JobSpec defaults a job spec (also used for CronJob job templates by
// the job controller, not by CronJob defaulting).
func JobSpec(s *batchv1.JobSpec) {
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptrTo(int32(1))
	}
	setIfNil(&s.Parallelism, 1)
	if s.BackoffLimit == nil {
		if s.BackoffLimitPerIndex != nil {
			s.BackoffLimit = ptrTo(int32(math.MaxInt32))
		} else {
			s.BackoffLimit = ptrTo(DefaultBackoffLimit)
		}
	}
	setIfNil(&s.CompletionMode, batchv1.NonIndexedCompletion)
	setIfNil(&s.Suspend, false)
	if s.PodReplacementPolicy == nil {
		if s.PodFailurePolicy != nil {
			s.PodReplacementPolicy = ptrTo(batchv1.Failed)
		} else {
			s.PodReplacementPolicy = ptrTo(batchv1.TerminatingOrFailed)
		}
	}
	PodTemplateSpec(&s.Template)
}

// CronJob defaults: concurrencyPolicy Allow, suspend false, history
// limits 3 successful / 1 failed; pod defaults inside the job template.
func CronJob(c *batchv1.CronJob) {
	if c.Spec.ConcurrencyPolicy == "" {
		c.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	setIfNil(&c.Spec.Suspend, false)
	setIfNil(&c.Spec.SuccessfulJobsHistoryLimit, 3)
	setIfNil(&c.Spec.FailedJobsHistoryLimit, 1)
	PodTemplateSpec(&c.Spec.JobTemplate.Spec.Template)
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
