package defaults

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Default values upstream uses for pods.
const (
	DefaultSchedulerName            = "default-scheduler"
	DefaultTerminationGracePeriod   = int64(30)
	DefaultTerminationMessagePath   = "/dev/termination-log"
	DefaultVolumeMode               = int32(0o644)
	defaultProbePeriodSeconds       = 10
	defaultProbeTimeoutSeconds      = 1
	defaultProbeSuccessThreshold    = 1
	defaultProbeFailureThreshold    = 3
	defaultDownwardAPIFieldRefGroup = "v1"
)

// Pod defaults a pod: its spec and, as upstream does only for pods (not
// templates), container resource requests copied from limits.
func Pod(p *corev1.Pod) {
	PodSpec(&p.Spec)
	for i := range p.Spec.Containers {
		requestsFromLimits(&p.Spec.Containers[i].Resources)
	}
	for i := range p.Spec.InitContainers {
		requestsFromLimits(&p.Spec.InitContainers[i].Resources)
	}
}

// PodTemplateSpec defaults the pod spec inside a workload's template.
func PodTemplateSpec(t *corev1.PodTemplateSpec) {
	if t != nil {
		PodSpec(&t.Spec)
	}
}

// PodSpec defaults a pod spec and everything in it.
func PodSpec(s *corev1.PodSpec) {
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	setIfNil(&s.TerminationGracePeriodSeconds, DefaultTerminationGracePeriod)
	if s.SchedulerName == "" {
		s.SchedulerName = DefaultSchedulerName
	}
	setIfNil(&s.EnableServiceLinks, corev1.DefaultEnableServiceLinks)
	if s.HostNetwork {
		hostNetworkPorts(s.Containers)
		hostNetworkPorts(s.InitContainers)
	}
	for i := range s.Containers {
		Container(&s.Containers[i])
	}
	for i := range s.InitContainers {
		Container(&s.InitContainers[i])
	}
	for i := range s.Volumes {
		volume(&s.Volumes[i])
	}
}

// hostNetworkPorts sets hostPort = containerPort, as host-network pods
// can only use the same port on both sides.
func hostNetworkPorts(cs []corev1.Container) {
	for i := range cs {
		for j := range cs[i].Ports {
			if cs[i].Ports[j].HostPort == 0 {
				cs[i].Ports[j].HostPort = cs[i].Ports[j].ContainerPort
			}
		}
	}
}

// Container defaults one container.
func Container(c *corev1.Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = PullPolicyFor(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = DefaultTerminationMessagePath
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	}
	for i := range c.Ports {
		if c.Ports[i].Protocol == "" {
			c.Ports[i].Protocol = corev1.ProtocolTCP
		}
	}
	for i := range c.Env {
		if vf := c.Env[i].ValueFrom; vf != nil && vf.FieldRef != nil && vf.FieldRef.APIVersion == "" {
			vf.FieldRef.APIVersion = defaultDownwardAPIFieldRefGroup
		}
	}
	probe(c.LivenessProbe)
	probe(c.ReadinessProbe)
	probe(c.StartupProbe)
	lifecycleHandler(c.Lifecycle)
}

// PullPolicyFor is Always for images tagged (or defaulting to) "latest"
// and IfNotPresent otherwise, digests included.
func PullPolicyFor(image string) corev1.PullPolicy {
	if imageTag(image) == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

// imageTag returns the tag of an image reference: "latest" when it has
// neither tag nor digest, "" when it has only a digest.
func imageTag(image string) string {
	ref, _, hasDigest := strings.Cut(image, "@")
	name := ref
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		name = ref[i+1:]
	}
	if _, tag, ok := strings.Cut(name, ":"); ok {
		return tag
	}
	if hasDigest {
		return ""
	}
	return "latest"
}

func probe(p *corev1.Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = defaultProbeTimeoutSeconds
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = defaultProbePeriodSeconds
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = defaultProbeSuccessThreshold
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = defaultProbeFailureThreshold
	}
	httpGet(p.HTTPGet)
}

func lifecycleHandler(l *corev1.Lifecycle) {
	if l == nil {
		return
	}
	if l.PostStart != nil {
		httpGet(l.PostStart.HTTPGet)
	}
	if l.PreStop != nil {
		httpGet(l.PreStop.HTTPGet)
	}
}

func httpGet(h *corev1.HTTPGetAction) {
	if h == nil {
		return
	}
	if h.Path == "" {
		h.Path = "/"
	}
	if h.Scheme == "" {
		h.Scheme = corev1.URISchemeHTTP
	}
}

func volume(v *corev1.Volume) {
	s := &v.VolumeSource
	switch {
	case s.Secret != nil:
		setIfNil(&s.Secret.DefaultMode, DefaultVolumeMode)
	case s.ConfigMap != nil:
		setIfNil(&s.ConfigMap.DefaultMode, DefaultVolumeMode)
	case s.DownwardAPI != nil:
		setIfNil(&s.DownwardAPI.DefaultMode, DefaultVolumeMode)
		for i := range s.DownwardAPI.Items {
			if f := s.DownwardAPI.Items[i].FieldRef; f != nil && f.APIVersion == "" {
				f.APIVersion = defaultDownwardAPIFieldRefGroup
			}
		}
	case s.Projected != nil:
		setIfNil(&s.Projected.DefaultMode, DefaultVolumeMode)
	case s.HostPath != nil:
		setIfNil(&s.HostPath.Type, corev1.HostPathUnset)
	case s.EmptyDir != nil:
	case noVolumeSource(s):
		s.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
}

// noVolumeSource reports whether none of the sources we know are set.
// Upstream defaults an empty source to emptyDir.
func noVolumeSource(s *corev1.VolumeSource) bool {
	return *s == corev1.VolumeSource{}
}

// requestsFromLimits copies each limit into requests where no request is
// given.
func requestsFromLimits(r *corev1.ResourceRequirements) {
	if len(r.Limits) == 0 {
		return
	}
	if r.Requests == nil {
		r.Requests = corev1.ResourceList{}
	}
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; !ok {
			r.Requests[name] = q.DeepCopy()
		}
	}
}

// servicePortTarget is the default targetPort of a service port.
func servicePortTarget(p *corev1.ServicePort) {
	if p.TargetPort == intstr.FromInt32(0) || p.TargetPort == intstr.FromString("") {
		p.TargetPort = intstr.FromInt32(p.Port)
	}
}
