package volumes

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
)

// Objects reads the API objects volumes are made from.
type Objects interface {
	ConfigMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error)
	Secret(ctx context.Context, ns, name string) (*corev1.Secret, error)
	PersistentVolumeClaim(ctx context.Context, ns, name string) (*corev1.PersistentVolumeClaim, error)
	PersistentVolume(ctx context.Context, name string) (*corev1.PersistentVolume, error)
	// ServiceAccountToken requests a token for ServiceAccount sa in ns.
	ServiceAccountToken(ctx context.Context, ns, sa string, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error)
}

// Config configures a Manager.
type Config struct {
	// RootDir is the kubelet's root; pod volumes go under
	// <RootDir>/pods/<uid>/volumes.
	RootDir string
	Objects Objects
	Log     *slog.Logger
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Manager sets pod volumes up and tears them down. It is safe for
// concurrent use by the pod workers.
type Manager struct {
	cfg    Config
	mu     sync.Mutex
	tokens map[string]token // by pod uid + "/" + volume + "/" + path
}

type token struct {
	value           string
	issued, expires time.Time
}

// New returns a Manager.
func New(cfg Config) *Manager {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Manager{cfg: cfg, tokens: map[string]token{}}
}

// Plugin directory names, as upstream's.
const (
	pluginEmptyDir  = "kubernetes.io~empty-dir"
	pluginConfigMap = "kubernetes.io~configmap"
	pluginSecret    = "kubernetes.io~secret"
	pluginDownward  = "kubernetes.io~downward-api"
	pluginProjected = "kubernetes.io~projected"
)

func (m *Manager) podDir(uid string) string {
	return filepath.Join(m.cfg.RootDir, "pods", uid, "volumes")
}

// Setup makes every volume of pod exist and current and returns each
// volume's host path by name. Calling it again refreshes content volumes.
func (m *Manager) Setup(ctx context.Context, pod *corev1.Pod) (map[string]string, error) {
	out := make(map[string]string, len(pod.Spec.Volumes))
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		p, err := m.setupOne(ctx, pod, v)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		out[v.Name] = p
	}
	return out, nil
}

func (m *Manager) setupOne(ctx context.Context, pod *corev1.Pod, v *corev1.Volume) (string, error) {
	dir := func(plugin string) string { return filepath.Join(m.podDir(string(pod.UID)), plugin, v.Name) }
	switch {
	case v.EmptyDir != nil:
		return dir(pluginEmptyDir), setupEmptyDir(dir(pluginEmptyDir), v.EmptyDir)
	case v.HostPath != nil:
		return v.HostPath.Path, checkHostPath(v.HostPath)
	case v.PersistentVolumeClaim != nil:
		return m.claimPath(ctx, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
	case v.ConfigMap != nil:
		return m.writeContent(dir(pluginConfigMap), false, func() (map[string]File, error) {
			return m.configMapFiles(ctx, pod.Namespace, v.ConfigMap)
		})
	case v.Secret != nil:
		return m.writeContent(dir(pluginSecret), true, func() (map[string]File, error) {
			return m.secretFiles(ctx, pod.Namespace, v.Secret)
		})
	case v.DownwardAPI != nil:
		return m.writeContent(dir(pluginDownward), false, func() (map[string]File, error) {
			return downwardFiles(pod, v.DownwardAPI.Items, mode(v.DownwardAPI.DefaultMode))
		})
	case v.Projected != nil:
		return m.writeContent(dir(pluginProjected), true, func() (map[string]File, error) {
			return m.projectedFiles(ctx, pod, v.Name, v.Projected)
		})
	}
	return "", fmt.Errorf("unsupported volume type")
}

// writeContent renders files and writes them atomically into dir, on a
// tmpfs of its own when memory is set.
func (m *Manager) writeContent(dir string, memory bool, render func() (map[string]File, error)) (string, error) {
	files, err := render()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("volumes: %w", err)
	}
	if memory {
		if err := ensureTmpfs(dir, 0); err != nil {
			return "", err
		}
	}
	changed, err := WriteAtomic(dir, files)
	if err != nil {
		return "", err
	}
	if changed {
		m.cfg.Log.Debug("volume content updated", "dir", dir)
	}
	return dir, nil
}

func setupEmptyDir(dir string, src *corev1.EmptyDirVolumeSource) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("volumes: %w", err)
	}
	if src.Medium == corev1.StorageMediumMemory {
		var size int64
		if src.SizeLimit != nil {
			size = src.SizeLimit.Value()
		}
		if err := ensureTmpfs(dir, size); err != nil {
			return err
		}
	}
	return os.Chmod(dir, 0o777) // as upstream: any container user may write
}

// Teardown unmounts every mount Setup made for pod uid (deepest first)
// and forgets its tokens. The caller removes the directory.
func (m *Manager) Teardown(uid string) error {
	m.mu.Lock()
	for k := range m.tokens {
		if len(k) > len(uid) && k[:len(uid)+1] == uid+"/" {
			delete(m.tokens, k)
		}
	}
	m.mu.Unlock()
	return unmountUnder(m.podDir(uid))
}

func mode(m *int32) os.FileMode {
	if m == nil {
		return 0o644
	}
	return os.FileMode(*m) & os.ModePerm
}
