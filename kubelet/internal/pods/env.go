package pods

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/wharfhq/wharf/kubelet/internal/fieldpath"
)

// Objects reads the ConfigMaps and Secrets that env vars refer to.
type Objects interface {
	ConfigMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error)
	Secret(ctx context.Context, ns, name string) (*corev1.Secret, error)
}

// envInput is the pod-level data env vars may refer to.
type envInput struct {
	pod           *corev1.Pod
	podIP, hostIP string
	objects       Objects
	// services are the pod's service-link variables (serviceEnv); they
	// can be referred to by $(VAR) and are added unless env sets them.
	services map[string]string
}

// containerEnv resolves c's envFrom and env into KEY=value pairs, in
// upstream order (envFrom first, env overriding), with $(VAR) expansion.
func containerEnv(ctx context.Context, in envInput, c *corev1.Container) ([]string, error) {
	vals := map[string]string{}
	lookup := maps.Clone(in.services)
	if lookup == nil {
		lookup = map[string]string{}
	}
	var order []string
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k], lookup[k] = v, v
	}
	for _, from := range c.EnvFrom {
		data, err := envFromData(ctx, in, from)
		if err != nil {
			return nil, err
		}
		for k, v := range data {
			set(from.Prefix+k, v)
		}
	}
	for _, e := range c.Env {
		v, ok, err := envValue(ctx, in, c, e)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if ok {
			set(e.Name, expand(v, lookup))
		}
	}
	out := make([]string, 0, len(order)+len(in.services))
	for _, k := range order {
		out = append(out, k+"="+vals[k])
	}
	for _, k := range slices.Sorted(maps.Keys(in.services)) {
		if _, ok := vals[k]; !ok {
			out = append(out, k+"="+in.services[k])
		}
	}
	return out, nil
}

func envFromData(ctx context.Context, in envInput, from corev1.EnvFromSource) (map[string]string, error) {
	ns := in.pod.Namespace
	switch {
	case from.ConfigMapRef != nil:
		cm, err := in.objects.ConfigMap(ctx, ns, from.ConfigMapRef.Name)
		if optionalMissing(err, from.ConfigMapRef.Optional) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("configmap %q: %w", from.ConfigMapRef.Name, err)
		}
		return cm.Data, nil
	case from.SecretRef != nil:
		s, err := in.objects.Secret(ctx, ns, from.SecretRef.Name)
		if optionalMissing(err, from.SecretRef.Optional) {
			return nil, nil
		} else if err != nil {
			return nil, fmt.Errorf("secret %q: %w", from.SecretRef.Name, err)
		}
		out := map[string]string{}
		for k, v := range s.Data {
			out[k] = string(v)
		}
		return out, nil
	}
	return nil, nil
}

// envValue resolves one env var; ok is false for an optional reference
// that does not exist (the variable is then left out).
func envValue(ctx context.Context, in envInput, c *corev1.Container, e corev1.EnvVar) (string, bool, error) {
	src := e.ValueFrom
	switch {
	case src == nil:
		return e.Value, true, nil
	case src.FieldRef != nil:
		v, err := fieldpath.Field(in.pod, src.FieldRef.FieldPath, fieldpath.IPs{PodIP: in.podIP, HostIP: in.hostIP})
		return v, err == nil, err
	case src.ResourceFieldRef != nil:
		v, err := fieldpath.Resource(c, src.ResourceFieldRef)
		return v, err == nil, err
	case src.ConfigMapKeyRef != nil:
		ref := src.ConfigMapKeyRef
		cm, err := in.objects.ConfigMap(ctx, in.pod.Namespace, ref.Name)
		if optionalMissing(err, ref.Optional) {
			return "", false, nil
		} else if err != nil {
			return "", false, fmt.Errorf("configmap %q: %w", ref.Name, err)
		}
		v, ok := cm.Data[ref.Key]
		if !ok && (ref.Optional == nil || !*ref.Optional) {
			return "", false, fmt.Errorf("configmap %q has no key %q", ref.Name, ref.Key)
		}
		return v, ok, nil
	case src.SecretKeyRef != nil:
		ref := src.SecretKeyRef
		s, err := in.objects.Secret(ctx, in.pod.Namespace, ref.Name)
		if optionalMissing(err, ref.Optional) {
			return "", false, nil
		} else if err != nil {
			return "", false, fmt.Errorf("secret %q: %w", ref.Name, err)
		}
		v, ok := s.Data[ref.Key]
		if !ok && (ref.Optional == nil || !*ref.Optional) {
			return "", false, fmt.Errorf("secret %q has no key %q", ref.Name, ref.Key)
		}
		return string(v), ok, nil
	}
	return e.Value, true, nil
}

func optionalMissing(err error, optional *bool) bool {
	return err != nil && apierrors.IsNotFound(err) && optional != nil && *optional
}

// expand replaces $(VAR) with earlier values; $$ escapes; unknown
// references stay as they are.
func expand(s string, vals map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+end]
			if v, ok := vals[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+end+1])
			}
			i += end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
