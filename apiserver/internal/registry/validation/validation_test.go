package validation

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/wharfhq/wharf/apiserver/internal/registry/defaults"
	"github.com/wharfhq/wharf/proto/api"
)

// want is one expected error: "<type> <field>" plus a detail substring.
type want struct {
	err    string
	detail string
}

func info(t *testing.T, gv, kind string) *api.Info {
	t.Helper()
	i, ok := api.LookupKind(gv, kind)
	if !ok {
		t.Fatalf("no %s %s", gv, kind)
	}
	return i
}

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: "1"}
}

func validPod() *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: meta("web"), Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 80}}}},
	}}
	defaults.Pod(p)
	return p
}

func template() corev1.PodTemplateSpec {
	p := validPod()
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: p.Spec}
}

func validDeployment() *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: meta("web"), Spec: appsv1.DeploymentSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Template: template()}}
	defaults.Deployment(d)
	return d
}

func validService() *corev1.Service {
	s := &corev1.Service{ObjectMeta: meta("web"), Spec: corev1.ServiceSpec{
		Selector: map[string]string{"app": "web"}, Ports: []corev1.ServicePort{{Port: 80}}}}
	defaults.Service(s)
	return s
}

func validJob() *batchv1.Job {
	j := &batchv1.Job{ObjectMeta: meta("pi"), Spec: batchv1.JobSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, Template: template()}}
	j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	defaults.Job(j)
	return j
}

func validCronJob() *batchv1.CronJob {
	c := &batchv1.CronJob{ObjectMeta: meta("tick"), Spec: batchv1.CronJobSpec{Schedule: "*/1 * * * *"}}
	c.Spec.JobTemplate.Spec.Template = template()
	c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	defaults.CronJob(c)
	return c
}

func check(t *testing.T, got field.ErrorList, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d errors, want %d:\n%s", len(got), len(wants), dump(got))
	}
	for i, w := range wants {
		e := got[i]
		if s := fmt.Sprintf("%s %s", e.Type, e.Field); s != w.err || !strings.Contains(e.Detail, w.detail) {
			t.Errorf("error %d = %q (%q), want %q containing %q", i, s, e.Detail, w.err, w.detail)
		}
	}
}

func dump(errs field.ErrorList) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  %s\n", e.Error())
	}
	return b.String()
}

func TestValidateCreate(t *testing.T) {
	tests := []struct {
		name string
		obj  api.Object
		want []want
	}{
		{"valid pod", validPod(), nil},
		{"pod name", func() api.Object { p := validPod(); p.Name = "Web_1"; return p }(),
			[]want{{"Invalid value metadata.name", "a lowercase RFC 1123 subdomain"}}},
		{"missing name", func() api.Object { p := validPod(); p.Name = ""; return p }(),
			[]want{{"Required value metadata.name", "name or generateName is required"}}},
		{"missing namespace", func() api.Object { p := validPod(); p.Namespace = ""; return p }(),
			[]want{{"Required value metadata.namespace", ""}}},
		{"bad label", func() api.Object { p := validPod(); p.Labels = map[string]string{"a b": "x"}; return p }(),
			[]want{{"Invalid value metadata.labels", "name part must consist of alphanumeric"}}},
		{"annotations too big", func() api.Object {
			p := validPod()
			p.Annotations = map[string]string{"a": strings.Repeat("x", 256*1024)}
			return p
		}(), []want{{"Too long metadata.annotations", "may not be more than 262144 bytes"}}},
		{"no containers", func() api.Object { p := validPod(); p.Spec.Containers = nil; return p }(),
			[]want{{"Required value spec.containers", ""}}},
		{"image required", func() api.Object { p := validPod(); p.Spec.Containers[0].Image = ""; return p }(),
			[]want{{"Required value spec.containers[0].image", ""}}},
		{"duplicate container", func() api.Object {
			p := validPod()
			p.Spec.Containers = append(p.Spec.Containers, p.Spec.Containers[0])
			return p
		}(), []want{{"Duplicate value spec.containers[1].name", ""}}},
		{"container name", func() api.Object { p := validPod(); p.Spec.Containers[0].Name = "Web"; return p }(),
			[]want{{"Invalid value spec.containers[0].name", "a lowercase RFC 1123 label"}}},
		{"port range", func() api.Object { p := validPod(); p.Spec.Containers[0].Ports[0].ContainerPort = 70000; return p }(),
			[]want{{"Invalid value spec.containers[0].ports[0].containerPort", "must be between 1 and 65535, inclusive"}}},
		{"port name", func() api.Object { p := validPod(); p.Spec.Containers[0].Ports[0].Name = "http_1"; return p }(),
			[]want{{"Invalid value spec.containers[0].ports[0].name", "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"}}},
		{"duplicate port name", func() api.Object {
			p := validPod()
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: "http", ContainerPort: 81, Protocol: "TCP"})
			return p
		}(), []want{{"Duplicate value spec.containers[0].ports[1].name", ""}}},
		{"protocol", func() api.Object { p := validPod(); p.Spec.Containers[0].Ports[0].Protocol = "ICMP"; return p }(),
			[]want{{"Unsupported value spec.containers[0].ports[0].protocol", `supported values: "SCTP", "TCP", "UDP"`}}},
		{"restart policy", func() api.Object { p := validPod(); p.Spec.RestartPolicy = "Sometimes"; return p }(),
			[]want{{"Unsupported value spec.restartPolicy", `"Always", "OnFailure", "Never"`}}},
		{"requests over limits", func() api.Object {
			p := validPod()
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}
			return p
		}(), []want{{"Invalid value spec.containers[0].resources.requests", "must be less than or equal to cpu limit of 1"}}},
		{"negative quantity", func() api.Object {
			p := validPod()
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("-1")}
			return p
		}(), []want{{"Invalid value spec.containers[0].resources.requests[memory]", "must be greater than or equal to 0"}}},
		{"env name", func() api.Object {
			p := validPod()
			p.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A=B"}}
			return p
		}(), []want{{"Invalid value spec.containers[0].env[0].name", "printable ASCII characters other than '='"}}},
		{"mount of unknown volume", func() api.Object {
			p := validPod()
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
			return p
		}(), []want{{"Not found spec.containers[0].volumeMounts[0].name", ""}}},
		{"duplicate volume", func() api.Object {
			p := validPod()
			v := corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
			p.Spec.Volumes = []corev1.Volume{v, v}
			return p
		}(), []want{{"Duplicate value spec.volumes[1].name", ""}}},
		{"two volume sources", func() api.Object {
			p := validPod()
			p.Spec.Volumes = []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{}, HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}}}
			return p
		}(), []want{{"Forbidden spec.volumes[0].emptyDir", "may not specify more than 1 volume type"}}},
		{"probe without handler", func() api.Object {
			p := validPod()
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{SuccessThreshold: 1}
			return p
		}(), []want{{"Required value spec.containers[0].livenessProbe", "must specify a handler type"}}},
	}
	podInfo := info(t, "v1", "Pod")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, Validate(podInfo, tc.obj), tc.want)
		})
	}
}

func TestValidateKinds(t *testing.T) {
	tests := []struct {
		name string
		kind [2]string
		obj  api.Object
		want []want
	}{
		{"valid deployment", [2]string{"apps/v1", "Deployment"}, validDeployment(), nil},
		{"selector required", [2]string{"apps/v1", "Deployment"}, func() api.Object {
			d := validDeployment()
			d.Spec.Selector = nil
			return d
		}(), []want{{"Required value spec.selector", ""}}},
		{"selector mismatch", [2]string{"apps/v1", "Deployment"}, func() api.Object {
			d := validDeployment()
			d.Spec.Selector.MatchLabels["app"] = "other"
			return d
		}(), []want{{"Invalid value spec.template.metadata.labels", "`selector` does not match template `labels`"}}},
		{"negative replicas", [2]string{"apps/v1", "Deployment"}, func() api.Object {
			d := validDeployment()
			*d.Spec.Replicas = -1
			return d
		}(), []want{{"Invalid value spec.replicas", "must be greater than or equal to 0"}}},
		{"deployment restartPolicy", [2]string{"apps/v1", "Deployment"}, func() api.Object {
			d := validDeployment()
			d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
			return d
		}(), []want{{"Unsupported value spec.template.spec.restartPolicy", `supported values: "Always"`}}},
		{"job restartPolicy", [2]string{"batch/v1", "Job"}, func() api.Object {
			j := validJob()
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
			return j
		}(), []want{{"Unsupported value spec.template.spec.restartPolicy", `"OnFailure", "Never"`}}},
		{"valid job", [2]string{"batch/v1", "Job"}, validJob(), nil},
		{"valid cronjob", [2]string{"batch/v1", "CronJob"}, validCronJob(), nil},
		{"cronjob @every", [2]string{"batch/v1", "CronJob"}, func() api.Object {
			c := validCronJob()
			c.Spec.Schedule = "@every 1h"
			return c
		}(), nil},
		{"bad schedule", [2]string{"batch/v1", "CronJob"}, func() api.Object {
			c := validCronJob()
			c.Spec.Schedule = "61 * * * *"
			return c
		}(), []want{{"Invalid value spec.schedule", "end of range (61) above maximum (59)"}}},
		{"cronjob name", [2]string{"batch/v1", "CronJob"}, func() api.Object {
			c := validCronJob()
			c.Name = strings.Repeat("a", 53)
			return c
		}(), []want{{"Invalid value metadata.name", "must be no more than 52 characters"}}},
		{"valid service", [2]string{"v1", "Service"}, validService(), nil},
		{"service name is DNS-1035", [2]string{"v1", "Service"}, func() api.Object {
			s := validService()
			s.Name = "1web"
			return s
		}(), []want{{"Invalid value metadata.name", "a DNS-1035 label must consist of"}}},
		{"service without ports", [2]string{"v1", "Service"}, func() api.Object {
			s := validService()
			s.Spec.Ports = nil
			return s
		}(), []want{{"Required value spec.ports", ""}}},
		{"headless without ports", [2]string{"v1", "Service"}, func() api.Object {
			s := validService()
			s.Spec.Ports = nil
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "None", []string{"None"}
			return s
		}(), nil},
		{"unnamed ports", [2]string{"v1", "Service"}, func() api.Object {
			s := validService()
			s.Spec.Ports = append(s.Spec.Ports, s.Spec.Ports[0])
			s.Spec.Ports[1].Port = 81
			return s
		}(), []want{{"Required value spec.ports[0].name", ""}, {"Required value spec.ports[1].name", ""}, {"Duplicate value spec.ports[1].name", ""}}},
		{"service type", [2]string{"v1", "Service"}, func() api.Object {
			s := validService()
			s.Spec.Type = "Magic"
			return s
		}(), []want{{"Unsupported value spec.type", `"ClusterIP"`}}},
		{"nodePort on ClusterIP", [2]string{"v1", "Service"}, func() api.Object {
			s := validService()
			s.Spec.Ports[0].NodePort = 30080
			return s
		}(), []want{{"Forbidden spec.ports[0].nodePort", "may not be used when `type` is 'ClusterIP'"}}},
		{"namespace name", [2]string{"v1", "Namespace"}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a.b"}},
			[]want{{"Invalid value metadata.name", "must not contain dots"}}},
		{"event involvedObject", [2]string{"v1", "Event"}, &corev1.Event{ObjectMeta: meta("e")},
			[]want{{"Required value involvedObject", ""}}},
		{"endpointslice", [2]string{"discovery.k8s.io/v1", "EndpointSlice"}, &discoveryv1.EndpointSlice{ObjectMeta: meta("s"),
			AddressType: discoveryv1.AddressTypeIPv4, Endpoints: []discoveryv1.Endpoint{{Addresses: []string{"::1"}}, {}}},
			[]want{{"Invalid value endpoints[0].addresses[0]", "must be a valid IPv4 address"}, {"Required value endpoints[1].addresses", ""}}},
		{"cluster-scoped with namespace", [2]string{"v1", "Node"}, &corev1.Node{ObjectMeta: meta("n1")},
			[]want{{"Forbidden metadata.namespace", "not allowed on this type"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, Validate(info(t, tc.kind[0], tc.kind[1]), tc.obj), tc.want)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	tests := []struct {
		name     string
		kind     [2]string
		old, obj func() api.Object
		want     []want
	}{
		{"pod image may change", [2]string{"v1", "Pod"}, func() api.Object { return validPod() }, func() api.Object {
			p := validPod()
			p.Spec.Containers[0].Image = "nginx:2"
			return p
		}, nil},
		{"pod port may not change", [2]string{"v1", "Pod"}, func() api.Object { return validPod() }, func() api.Object {
			p := validPod()
			p.Spec.Containers[0].Ports[0].ContainerPort = 81
			return p
		}, []want{{"Forbidden spec", "pod updates may not change fields other than"}}},
		{"pod tolerations only added", [2]string{"v1", "Pod"}, func() api.Object {
			p := validPod()
			p.Spec.Tolerations = []corev1.Toleration{{Key: "a", Operator: "Exists"}}
			return p
		}, func() api.Object {
			p := validPod()
			p.Spec.Tolerations = []corev1.Toleration{{Key: "b", Operator: "Exists"}}
			return p
		}, []want{{"Forbidden spec.tolerations[0]", "existing toleration can not be modified"}}},
		{"namespace immutable", [2]string{"v1", "Pod"}, func() api.Object { return validPod() }, func() api.Object {
			p := validPod()
			p.Namespace = "other"
			return p
		}, []want{{"Invalid value metadata.namespace", "field is immutable"}}},
		{"deployment selector immutable", [2]string{"apps/v1", "Deployment"}, func() api.Object { return validDeployment() }, func() api.Object {
			d := validDeployment()
			d.Spec.Selector.MatchLabels["tier"] = "x"
			d.Spec.Template.Labels["tier"] = "x"
			return d
		}, []want{{"Invalid value spec.selector", "field is immutable"}}},
		{"deployment template may change", [2]string{"apps/v1", "Deployment"}, func() api.Object { return validDeployment() }, func() api.Object {
			d := validDeployment()
			d.Spec.Template.Spec.Containers[0].Image = "nginx:2"
			return d
		}, nil},
		{"clusterIP immutable", [2]string{"v1", "Service"}, func() api.Object {
			s := validService()
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.10", []string{"10.96.0.10"}
			return s
		}, func() api.Object {
			s := validService()
			s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.96.0.11", []string{"10.96.0.11"}
			return s
		}, []want{{"Invalid value spec.clusterIPs[0]", "may not change once set"}}},
		{"job template immutable", [2]string{"batch/v1", "Job"}, func() api.Object { return validJob() }, func() api.Object {
			j := validJob()
			j.Spec.Template.Spec.Containers[0].Image = "other"
			return j
		}, []want{{"Invalid value spec.template", "field is immutable"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			check(t, ValidateUpdate(info(t, tc.kind[0], tc.kind[1]), tc.obj(), tc.old()), tc.want)
		})
	}
}
