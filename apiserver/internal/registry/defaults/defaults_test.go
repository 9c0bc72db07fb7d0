package defaults

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestPullPolicyFor(t *testing.T) {
	for _, tc := range []struct {
		image string
		want  corev1.PullPolicy
	}{
		{"nginx", corev1.PullAlways},
		{"nginx:latest", corev1.PullAlways},
		{"nginx:1.25", corev1.PullIfNotPresent},
		{"registry:5000/nginx", corev1.PullAlways},
		{"registry:5000/nginx:1.0", corev1.PullIfNotPresent},
		{"nginx@sha256:abc", corev1.PullIfNotPresent},
		{"nginx:latest@sha256:abc", corev1.PullAlways},
	} {
		if got := PullPolicyFor(tc.image); got != tc.want {
			t.Errorf("PullPolicyFor(%q) = %s, want %s", tc.image, got, tc.want)
		}
	}
}

func TestPod(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "c", Image: "nginx:1",
			Ports:          []corev1.ContainerPort{{ContainerPort: 80}},
			LivenessProbe:  &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromInt32(80)}}},
			Resources:      corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
			ReadinessProbe: &corev1.Probe{PeriodSeconds: 3, ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}},
		}},
		Volumes: []corev1.Volume{{Name: "v"}, {Name: "cm", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}}},
	}}
	Pod(p)
	s := p.Spec
	c := s.Containers[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"restartPolicy", s.RestartPolicy, corev1.RestartPolicyAlways},
		{"dnsPolicy", s.DNSPolicy, corev1.DNSClusterFirst},
		{"schedulerName", s.SchedulerName, "default-scheduler"},
		{"terminationGracePeriodSeconds", *s.TerminationGracePeriodSeconds, int64(30)},
		{"securityContext", *s.SecurityContext, corev1.PodSecurityContext{}},
		{"enableServiceLinks", *s.EnableServiceLinks, true},
		{"serviceAccountName", s.ServiceAccountName, ""},
		{"imagePullPolicy", c.ImagePullPolicy, corev1.PullIfNotPresent},
		{"terminationMessagePath", c.TerminationMessagePath, "/dev/termination-log"},
		{"terminationMessagePolicy", c.TerminationMessagePolicy, corev1.TerminationMessageReadFile},
		{"port protocol", c.Ports[0].Protocol, corev1.ProtocolTCP},
		{"liveness period", c.LivenessProbe.PeriodSeconds, int32(10)},
		{"liveness timeout", c.LivenessProbe.TimeoutSeconds, int32(1)},
		{"liveness success", c.LivenessProbe.SuccessThreshold, int32(1)},
		{"liveness failure", c.LivenessProbe.FailureThreshold, int32(3)},
		{"httpGet scheme", c.LivenessProbe.HTTPGet.Scheme, corev1.URISchemeHTTP},
		{"httpGet path", c.LivenessProbe.HTTPGet.Path, "/"},
		{"readiness period kept", c.ReadinessProbe.PeriodSeconds, int32(3)},
		{"cpu request from limit", c.Resources.Requests.Cpu().String(), "1"},
		{"empty volume is emptyDir", s.Volumes[0].EmptyDir != nil, true},
		{"configMap defaultMode", *s.Volumes[1].ConfigMap.DefaultMode, int32(0o644)},
	}
	for _, ch := range checks {
		if !apiequality.Semantic.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	again := p.DeepCopy()
	Pod(again)
	if !apiequality.Semantic.DeepEqual(p, again) {
		t.Error("Pod defaulting is not idempotent")
	}
}

func TestTemplateGetsNoRequestsFromLimits(t *testing.T) {
	rs := &appsv1.ReplicaSet{Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", Image: "x", Resources: corev1.ResourceRequirements{
			Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}}}}}
	ReplicaSet(rs)
	c := rs.Spec.Template.Spec.Containers[0]
	if c.Resources.Requests != nil {
		t.Errorf("template requests = %v, want none", c.Resources.Requests)
	}
	if c.ImagePullPolicy != corev1.PullAlways || rs.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("template pod defaults not applied: %+v", rs.Spec.Template.Spec)
	}
	if *rs.Spec.Replicas != 1 {
		t.Errorf("replicas = %d, want 1", *rs.Spec.Replicas)
	}
}

func TestService(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      corev1.ServiceSpec
		check   func(s corev1.ServiceSpec) bool
		explain string
	}{
		{"type", corev1.ServiceSpec{}, func(s corev1.ServiceSpec) bool { return s.Type == corev1.ServiceTypeClusterIP }, "type ClusterIP"},
		{"affinity", corev1.ServiceSpec{}, func(s corev1.ServiceSpec) bool { return s.SessionAffinity == corev1.ServiceAffinityNone }, "sessionAffinity None"},
		{"targetPort", corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}, func(s corev1.ServiceSpec) bool {
			return s.Ports[0].TargetPort == intstr.FromInt32(80) && s.Ports[0].Protocol == corev1.ProtocolTCP
		}, "targetPort = port, protocol TCP"},
		{"named targetPort kept", corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString("http")}}},
			func(s corev1.ServiceSpec) bool { return s.Ports[0].TargetPort == intstr.FromString("http") }, "targetPort http"},
		{"families", corev1.ServiceSpec{}, func(s corev1.ServiceSpec) bool {
			return *s.IPFamilyPolicy == corev1.IPFamilyPolicySingleStack && len(s.IPFamilies) == 1 && s.IPFamilies[0] == corev1.IPv4Protocol
		}, "SingleStack IPv4"},
		{"internal policy", corev1.ServiceSpec{}, func(s corev1.ServiceSpec) bool {
			return *s.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyCluster && s.ExternalTrafficPolicy == ""
		}, "internalTrafficPolicy Cluster, no externalTrafficPolicy"},
		{"nodeport policy", corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort}, func(s corev1.ServiceSpec) bool {
			return s.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyCluster
		}, "externalTrafficPolicy Cluster"},
		{"clusterIPs", corev1.ServiceSpec{ClusterIP: "10.96.0.10"}, func(s corev1.ServiceSpec) bool {
			return len(s.ClusterIPs) == 1 && s.ClusterIPs[0] == "10.96.0.10"
		}, "clusterIPs mirrors clusterIP"},
		{"externalName", corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName}, func(s corev1.ServiceSpec) bool {
			return s.IPFamilyPolicy == nil && s.InternalTrafficPolicy == nil
		}, "no IP fields for ExternalName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &corev1.Service{Spec: tc.in}
			Service(s)
			if !tc.check(s.Spec) {
				t.Errorf("want %s, got %+v", tc.explain, s.Spec)
			}
		})
	}
}

func TestWorkloads(t *testing.T) {
	d := &appsv1.Deployment{}
	Deployment(d)
	ru := d.Spec.Strategy.RollingUpdate
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType ||
		ru.MaxSurge.String() != "25%" || ru.MaxUnavailable.String() != "25%" ||
		*d.Spec.RevisionHistoryLimit != 10 || *d.Spec.ProgressDeadlineSeconds != 600 {
		t.Errorf("deployment defaults: %+v", d.Spec)
	}
	ds := &appsv1.DaemonSet{}
	DaemonSet(ds)
	if ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.IntValue() != 1 || *ds.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("daemonset defaults: %+v", ds.Spec)
	}
	ss := &appsv1.StatefulSet{}
	StatefulSet(ss)
	if *ss.Spec.Replicas != 1 || ss.Spec.PodManagementPolicy != appsv1.OrderedReadyPodManagement || *ss.Spec.UpdateStrategy.RollingUpdate.Partition != 0 {
		t.Errorf("statefulset defaults: %+v", ss.Spec)
	}
	rc := &corev1.ReplicationController{Spec: corev1.ReplicationControllerSpec{Template: &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "x"}}}}}
	ReplicationController(rc)
	if rc.Spec.Selector["app"] != "x" || rc.Labels["app"] != "x" || *rc.Spec.Replicas != 1 {
		t.Errorf("rc defaults: %+v %+v", rc.ObjectMeta, rc.Spec)
	}
	j := &batchv1.Job{}
	Job(j)
	if *j.Spec.Completions != 1 || *j.Spec.Parallelism != 1 || *j.Spec.BackoffLimit != 6 ||
		*j.Spec.CompletionMode != batchv1.NonIndexedCompletion || *j.Spec.Suspend {
		t.Errorf("job defaults: %+v", j.Spec)
	}
	j2 := &batchv1.Job{Spec: batchv1.JobSpec{Parallelism: ptrTo(int32(3))}}
	Job(j2)
	if j2.Spec.Completions != nil {
		t.Errorf("job with parallelism only: completions = %d, want unset", *j2.Spec.Completions)
	}
	cj := &batchv1.CronJob{}
	CronJob(cj)
	if cj.Spec.ConcurrencyPolicy != batchv1.AllowConcurrent || *cj.Spec.Suspend || *cj.Spec.SuccessfulJobsHistoryLimit != 3 ||
		*cj.Spec.FailedJobsHistoryLimit != 1 {
		t.Errorf("cronjob defaults: %+v", cj.Spec)
	}
}

func TestOthers(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}
	Apply(ns)
	if ns.Labels[LabelMetadataName] != "team" || ns.Status.Phase != corev1.NamespaceActive {
		t.Errorf("namespace defaults: %+v", ns)
	}
	sec := &corev1.Secret{}
	Apply(sec)
	if sec.Type != corev1.SecretTypeOpaque {
		t.Errorf("secret type = %q", sec.Type)
	}
	cm := &corev1.ConfigMap{}
	Apply(cm) // no defaults, must not panic
}
