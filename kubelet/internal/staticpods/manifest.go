package staticpods

import (
	"bytes"
	"crypto/md5" //nolint:gosec // upstream's config hash is md5; not a security boundary
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Annotations the kubelet sets on static and mirror pods (upstream's
// kubetypes constants).
const (
	AnnotationSource = "kubernetes.io/config.source"
	AnnotationHash   = "kubernetes.io/config.hash"
	AnnotationMirror = "kubernetes.io/config.mirror"
	AnnotationSeen   = "kubernetes.io/config.seen"
	// SourceFile is the config.source of pods read from files.
	SourceFile = "file"
)

// IsMirror reports whether pod is a mirror pod.
func IsMirror(pod *corev1.Pod) bool {
	_, ok := pod.Annotations[AnnotationMirror]
	return ok
}

// IsStatic reports whether pod came from a file.
func IsStatic(pod *corev1.Pod) bool {
	return pod.Annotations[AnnotationSource] == SourceFile
}

// IsMirrorOf reports whether mirror mirrors static's current manifest.
func IsMirrorOf(mirror, static *corev1.Pod) bool {
	h, ok := mirror.Annotations[AnnotationMirror]
	return ok && h == static.Annotations[AnnotationHash]
}

// Parse decodes one manifest (YAML or JSON, one Pod) read from file
// source and turns it into the static pod node runs, as upstream's
// applyDefaults: UID and config.hash from the content, name
// "<name>-<node>", namespace "default", spec.nodeName, a NoExecute
// toleration and phase Pending. config.seen is stamped with seen.
func Parse(data []byte, source, nodeName string, seen time.Time) (*corev1.Pod, error) {
	pod, err := decode(data)
	if err != nil {
		return nil, err
	}
	if pod.Name == "" {
		return nil, fmt.Errorf("metadata.name is required")
	}
	setDefaults(pod)
	if pod.UID == "" {
		pod.UID = types.UID(hash(pod, source, nodeName))
	}
	pod.Name = pod.Name + "-" + strings.ToLower(nodeName)
	if pod.Namespace == "" {
		pod.Namespace = metav1.NamespaceDefault
	}
	pod.Spec.NodeName = nodeName
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[AnnotationHash] = string(pod.UID)
	pod.Annotations[AnnotationSource] = SourceFile
	pod.Annotations[AnnotationSeen] = seen.Format(time.RFC3339Nano)
	pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute})
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	if err := validate(pod); err != nil {
		return nil, err
	}
	return pod, nil
}

// decode reads exactly one v1 Pod.
func decode(data []byte) (*corev1.Pod, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("empty manifest")
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF && len(bytes.TrimSpace(extra)) > 0 && string(extra) != "null" {
		return nil, fmt.Errorf("a manifest holds one pod, found more documents")
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(raw, &tm); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if tm.Kind != "Pod" || tm.APIVersion != "v1" {
		return nil, fmt.Errorf("want apiVersion v1 and kind Pod, got %q %q", tm.APIVersion, tm.Kind)
	}
	pod := &corev1.Pod{}
	if err := json.Unmarshal(raw, pod); err != nil {
		return nil, fmt.Errorf("decode pod: %w", err)
	}
	return pod, nil
}

// setDefaults applies the API defaults the kubelet relies on (the
// apiserver applies them to pods it stores; files never passed it).
func setDefaults(pod *corev1.Pod) {
	s := &pod.Spec
	if s.RestartPolicy == "" {
		s.RestartPolicy = corev1.RestartPolicyAlways
	}
	if s.DNSPolicy == "" {
		s.DNSPolicy = corev1.DNSClusterFirst
	}
	if s.TerminationGracePeriodSeconds == nil {
		g := int64(corev1.DefaultTerminationGracePeriodSeconds)
		s.TerminationGracePeriodSeconds = &g
	}
	if s.SchedulerName == "" {
		s.SchedulerName = corev1.DefaultSchedulerName
	}
	for _, list := range [][]corev1.Container{s.InitContainers, s.Containers} {
		for i := range list {
			c := &list[i]
			if c.TerminationMessagePath == "" {
				c.TerminationMessagePath = corev1.TerminationMessagePathDefault
			}
			if c.TerminationMessagePolicy == "" {
				c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
			}
			for j := range c.Ports {
				if c.Ports[j].Protocol == "" {
					c.Ports[j].Protocol = corev1.ProtocolTCP
				}
			}
		}
	}
}

// hash is the config hash: md5 of the defaulted manifest, then the node
// and the file, as upstream (which hashes a spew dump rather than JSON).
func hash(pod *corev1.Pod, source, nodeName string) string {
	h := md5.New() //nolint:gosec // see import
	// A decoded Pod always marshals.
	b, _ := json.Marshal(pod)
	h.Write(b)
	fmt.Fprintf(h, "host:%s", nodeName)
	fmt.Fprintf(h, "file:%s", source)
	return hex.EncodeToString(h.Sum(nil))
}

// validate checks what the kubelet needs to run the pod safely.
func validate(pod *corev1.Pod) error {
	if errs := validation.IsDNS1123Subdomain(pod.Name); len(errs) > 0 {
		return fmt.Errorf("invalid pod name %q: %s", pod.Name, strings.Join(errs, "; "))
	}
	if errs := validation.IsDNS1123Label(pod.Namespace); len(errs) > 0 {
		return fmt.Errorf("invalid namespace %q: %s", pod.Namespace, strings.Join(errs, "; "))
	}
	if len(pod.Spec.Containers) == 0 {
		return fmt.Errorf("pod %s has no containers", pod.Name)
	}
	seen := map[string]bool{}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			if errs := validation.IsDNS1123Label(c.Name); len(errs) > 0 {
				return fmt.Errorf("invalid container name %q: %s", c.Name, strings.Join(errs, "; "))
			}
			if seen[c.Name] {
				return fmt.Errorf("duplicate container name %q", c.Name)
			}
			seen[c.Name] = true
			if strings.TrimSpace(c.Image) == "" {
				return fmt.Errorf("container %q has no image", c.Name)
			}
		}
	}
	return nil
}
