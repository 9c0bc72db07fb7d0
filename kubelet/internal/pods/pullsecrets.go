package pods

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// pullCredentials reads pod's imagePullSecrets. A secret that is missing
// or malformed is reported as an event and skipped, as upstream does: the
// pull may still work anonymously.
func (c *Controller) pullCredentials(ctx context.Context, pod *corev1.Pod) []runtime.Credential {
	var out []runtime.Credential
	for _, ref := range pod.Spec.ImagePullSecrets {
		s, err := c.objects.Secret(ctx, pod.Namespace, ref.Name)
		if err == nil {
			var creds []runtime.Credential
			creds, err = DockerCredentials(s)
			out = append(out, creds...)
		}
		if err != nil {
			c.event(ctx, pod, "", corev1.EventTypeWarning, "FailedToRetrieveImagePullSecret",
				"Unable to retrieve some image pull secrets (%s); attempting to pull the image may not succeed: %v", ref.Name, err)
		}
	}
	return out
}

// dockerAuth is one registry's entry of a docker config.
type dockerAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Auth     string `json:"auth"`
}

// DockerCredentials decodes a kubernetes.io/dockerconfigjson or
// kubernetes.io/dockercfg secret into one Credential per registry, keyed
// by host ("https://index.docker.io/v1/" becomes "docker.io").
func DockerCredentials(s *corev1.Secret) ([]runtime.Credential, error) {
	var auths map[string]dockerAuth
	switch s.Type {
	case corev1.SecretTypeDockerConfigJson:
		var cfg struct {
			Auths map[string]dockerAuth `json:"auths"`
		}
		if err := json.Unmarshal(s.Data[corev1.DockerConfigJsonKey], &cfg); err != nil {
			return nil, fmt.Errorf("secret %s: %s: %w", s.Name, corev1.DockerConfigJsonKey, err)
		}
		auths = cfg.Auths
	case corev1.SecretTypeDockercfg:
		if err := json.Unmarshal(s.Data[corev1.DockerConfigKey], &auths); err != nil {
			return nil, fmt.Errorf("secret %s: %s: %w", s.Name, corev1.DockerConfigKey, err)
		}
	default:
		return nil, fmt.Errorf("secret %s has type %q, want %s", s.Name, s.Type, corev1.SecretTypeDockerConfigJson)
	}
	keys := make([]string, 0, len(auths))
	for k := range auths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]runtime.Credential, 0, len(keys))
	for _, k := range keys {
		a := auths[k]
		if a.Auth != "" && a.Username == "" {
			dec, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("secret %s: auth for %s: %w", s.Name, k, err)
			}
			user, pass, ok := strings.Cut(string(dec), ":")
			if !ok {
				return nil, fmt.Errorf("secret %s: auth for %s is not user:password", s.Name, k)
			}
			a.Username, a.Password = user, pass
		}
		out = append(out, runtime.Credential{Host: registryHost(k), Username: a.Username, Password: a.Password})
	}
	return out, nil
}

// registryHost reduces a docker config key ("https://host:5000/v1/") to
// the host containerd resolves ("host:5000"; Docker Hub is "docker.io").
func registryHost(key string) string {
	h := key
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexByte(h, '/'); i >= 0 {
		h = h[:i]
	}
	switch h {
	case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com":
		return "docker.io"
	}
	return h
}
