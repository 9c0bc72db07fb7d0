package describe

import (
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Pod writes `describe pod` text.
func Pod(out io.Writer, now time.Time, p *corev1.Pod, events []corev1.Event) error {
	w := newWriter(out, now)
	w.meta(&p.ObjectMeta, true)
	w.kv(0, "Service Account", orNone(p.Spec.ServiceAccountName))
	node := p.Spec.NodeName
	if node != "" && p.Status.HostIP != "" {
		node += "/" + p.Status.HostIP
	}
	w.kv(0, "Node", orNone(node))
	if p.Status.StartTime != nil {
		w.kv(0, "Start Time", p.Status.StartTime.Time.Format(time.RFC1123Z))
	}
	status := string(p.Status.Phase)
	if p.DeletionTimestamp != nil {
		status = "Terminating (lasts " + w.age(*p.DeletionTimestamp) + ")"
	}
	w.kv(0, "Status", status)
	if p.Status.Reason != "" {
		w.kv(0, "Reason", p.Status.Reason)
	}
	w.kv(0, "IP", p.Status.PodIP)
	w.line(0, "Containers:")
	statuses := map[string]corev1.ContainerStatus{}
	for _, s := range p.Status.ContainerStatuses {
		statuses[s.Name] = s
	}
	for _, c := range p.Spec.Containers {
		container(w, &c, statuses[c.Name])
	}
	if len(p.Status.Conditions) > 0 {
		w.line(0, "Conditions:")
		w.line(1, "Type\tStatus")
		for _, c := range p.Status.Conditions {
			w.line(1, "%s\t%s", c.Type, c.Status)
		}
	}
	volumes(w, p.Spec.Volumes)
	w.kv(0, "QoS Class", orNone(string(p.Status.QOSClass)))
	w.stringMap(0, "Node-Selectors", p.Spec.NodeSelector, "=")
	tolerations(w, p.Spec.Tolerations)
	w.events(events)
	return w.flush()
}

func container(w *writer, c *corev1.Container, st corev1.ContainerStatus) {
	w.line(1, "%s:", c.Name)
	if st.ContainerID != "" {
		w.kv(2, "Container ID", st.ContainerID)
	}
	w.kv(2, "Image", c.Image)
	w.kv(2, "Image ID", st.ImageID)
	if len(c.Ports) == 0 {
		w.kv(2, "Port", "<none>")
	}
	for _, p := range c.Ports {
		w.kv(2, "Port", fmt.Sprintf("%d/%s", p.ContainerPort, p.Protocol))
		w.kv(2, "Host Port", fmt.Sprintf("%d/%s", p.HostPort, p.Protocol))
	}
	if len(c.Command) > 0 {
		w.line(2, "Command:")
		for _, a := range c.Command {
			w.line(3, "%s", a)
		}
	}
	if len(c.Args) > 0 {
		w.line(2, "Args:")
		for _, a := range c.Args {
			w.line(3, "%s", a)
		}
	}
	state(w, "State", st.State)
	if st.LastTerminationState.Terminated != nil {
		state(w, "Last State", st.LastTerminationState)
	}
	w.kv(2, "Ready", boolWord(st.Ready))
	w.kv(2, "Restart Count", st.RestartCount)
	resources(w, c.Resources)
	if len(c.Env) == 0 {
		w.kv(2, "Environment", "<none>")
	} else {
		w.line(2, "Environment:")
		for _, e := range c.Env {
			v := e.Value
			if e.ValueFrom != nil {
				v = "<set from a reference>"
			}
			w.line(3, "%s:\t%s", e.Name, v)
		}
	}
	if len(c.VolumeMounts) == 0 {
		w.kv(2, "Mounts", "<none>")
		return
	}
	w.line(2, "Mounts:")
	for _, m := range c.VolumeMounts {
		mode := "rw"
		if m.ReadOnly {
			mode = "ro"
		}
		w.line(3, "%s from %s (%s)", m.MountPath, m.Name, mode)
	}
}

func state(w *writer, label string, s corev1.ContainerState) {
	switch {
	case s.Running != nil:
		w.kv(2, label, "Running")
		w.kv(3, "Started", s.Running.StartedAt.Time.Format(time.RFC1123Z))
	case s.Waiting != nil:
		w.kv(2, label, "Waiting")
		if s.Waiting.Reason != "" {
			w.kv(3, "Reason", s.Waiting.Reason)
		}
	case s.Terminated != nil:
		w.kv(2, label, "Terminated")
		w.kv(3, "Reason", s.Terminated.Reason)
		w.kv(3, "Exit Code", s.Terminated.ExitCode)
	default:
		w.kv(2, label, "Waiting")
	}
}

func resources(w *writer, r corev1.ResourceRequirements) {
	for _, part := range []struct {
		name string
		list corev1.ResourceList
	}{{"Limits", r.Limits}, {"Requests", r.Requests}} {
		if len(part.list) == 0 {
			continue
		}
		w.line(2, "%s:", part.name)
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
			if q, ok := part.list[name]; ok {
				w.line(3, "%s:\t%s", name, q.String())
			}
		}
	}
}

func volumes(w *writer, vols []corev1.Volume) {
	if len(vols) == 0 {
		w.kv(0, "Volumes", "<none>")
		return
	}
	w.line(0, "Volumes:")
	for _, v := range vols {
		w.line(1, "%s:", v.Name)
		switch {
		case v.EmptyDir != nil:
			w.kv(2, "Type", "EmptyDir (a temporary directory that shares a pod's lifetime)")
		case v.HostPath != nil:
			w.kv(2, "Type", "HostPath (bare host directory volume)")
			w.kv(2, "Path", v.HostPath.Path)
		case v.ConfigMap != nil:
			w.kv(2, "Type", "ConfigMap (a volume populated by a ConfigMap)")
			w.kv(2, "Name", v.ConfigMap.Name)
		case v.Secret != nil:
			w.kv(2, "Type", "Secret (a volume populated by a Secret)")
			w.kv(2, "SecretName", v.Secret.SecretName)
		case v.PersistentVolumeClaim != nil:
			w.kv(2, "Type", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)")
			w.kv(2, "ClaimName", v.PersistentVolumeClaim.ClaimName)
		default:
			w.kv(2, "Type", "<unknown>")
		}
	}
}

func tolerations(w *writer, ts []corev1.Toleration) {
	if len(ts) == 0 {
		w.kv(0, "Tolerations", "<none>")
		return
	}
	for i, t := range ts {
		label := "Tolerations:"
		if i > 0 {
			label = ""
		}
		s := t.Key
		if t.Operator == corev1.TolerationOpEqual || t.Value != "" {
			s += "=" + t.Value
		}
		if t.Effect != "" {
			s += ":" + string(t.Effect)
		}
		if t.Operator == corev1.TolerationOpExists && t.Key == "" {
			s = "op=Exists"
		}
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
		}
		w.line(0, "%s\t%s", label, s)
	}
}

func boolWord(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
