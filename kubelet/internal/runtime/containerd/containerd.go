package containerd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	ctrd "github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/oci"
	"github.com/containerd/containerd/remotes"
	"github.com/distribution/reference"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/wharfhq/wharf/kubelet/internal/cgroups"
	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// Namespace is the containerd namespace all kubelet objects live in.
const Namespace = "wharf"

// snapshotter is containerd's default on Linux.
const snapshotter = "overlayfs"

// Containerd is the runtime.Runtime backed by a containerd daemon.
type Containerd struct {
	client *ctrd.Client
	log    *slog.Logger

	mu       sync.Mutex
	imported map[string]bool   // image names imported from tarballs
	unpacked map[string]bool   // image digests known to be unpacked
	imageIDs map[string]string // container ID → its image's ID
	execs    execSeq
	resolver remotes.Resolver
	insecure map[string]bool
	cgroups  *cgroups.Manager // nil: OOM kills are not detected
	logOpts  LogOptions
	// logging holds the IO of every container whose output is being
	// copied (nil while its task is being made); closed is set by Close.
	logging map[string]cio.IO
	// tees copy each logged container's output to attached clients.
	tees   map[string]*outputTee
	closed bool
}

// Options configure New.
type Options struct {
	// Address is containerd's socket.
	Address string
	// InsecureRegistries are registry hosts ("127.0.0.1:5000") pulled
	// from over plain HTTP.
	InsecureRegistries []string
	// Cgroups reads containers' OOM kill counters; nil uses the host's
	// (/sys/fs/cgroup), if readable.
	Cgroups *cgroups.Manager
	// Logs rotates container logs (zero: 10 MiB, 5 files).
	Logs LogOptions
	Log  *slog.Logger
}

// New connects to containerd.
func New(ctx context.Context, o Options) (*Containerd, error) {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	c, err := ctrd.New(o.Address, ctrd.WithDefaultNamespace(Namespace), ctrd.WithTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("runtime: connect to containerd at %s: %w", o.Address, err)
	}
	insecure := map[string]bool{}
	for _, h := range o.InsecureRegistries {
		insecure[h] = true
	}
	cg := o.Cgroups
	if cg == nil {
		cg, _ = cgroups.NewManager(cgroups.Config{})
	}
	if o.Logs.MaxSize == 0 {
		o.Logs.MaxSize = 10 << 20
	}
	rt := &Containerd{client: c, log: o.Log, imported: map[string]bool{}, unpacked: map[string]bool{}, imageIDs: map[string]string{}, insecure: insecure, cgroups: cg,
		logOpts: o.Logs, logging: map[string]cio.IO{}, tees: map[string]*outputTee{}}
	rt.resolver = rt.newResolver(nil)
	return rt, nil
}

// Close stops copying container output (the containers keep running;
// their FIFOs stay for the next kubelet's ReattachLogs) and releases the
// connection.
func (c *Containerd) Close() error {
	c.mu.Lock()
	c.closed = true
	for _, tio := range c.logging {
		if tio != nil {
			tio.Cancel()
		}
	}
	c.mu.Unlock()
	return c.client.Close()
}

// NormalizeImage turns "openshift/hello-openshift" into
// "docker.io/openshift/hello-openshift:latest".
func NormalizeImage(ref string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("runtime: invalid image reference %q: %w", ref, err)
	}
	return reference.TagNameOnly(named).String(), nil
}

// EnsureImage implements runtime.Runtime. Images imported by ImportImages are never
// pulled (air-gapped nodes: runtime.PullAlways acts as IfNotPresent for them); for
// others runtime.PullAlways falls back to a present image when the pull fails,
// logging the pull error.
func (c *Containerd) EnsureImage(ctx context.Context, ref string, policy runtime.PullPolicy) (string, error) {
	name, err := NormalizeImage(ref)
	if err != nil {
		return "", err
	}
	img, getErr := c.client.GetImage(ctx, name)
	if getErr != nil && !errdefs.IsNotFound(getErr) {
		return "", fmt.Errorf("runtime: get image %s: %w", name, getErr)
	}
	present := getErr == nil
	if policy == runtime.PullNever && !present {
		return "", fmt.Errorf("runtime: %s: %w", name, runtime.ErrImageNotPresent)
	}
	c.mu.Lock()
	imported := c.imported[name]
	c.mu.Unlock()
	if (policy == runtime.PullAlways && !(present && imported)) || !present {
		pulled, err := c.client.Pull(ctx, name, ctrd.WithPullUnpack, ctrd.WithResolver(c.resolverFor(ctx)))
		switch {
		case err == nil:
			img = pulled
		case present:
			c.log.WarnContext(ctx, "pull failed, using present image", "image", name, "err", err)
		default:
			return "", fmt.Errorf("runtime: pull %s: %w", name, err)
		}
	}
	if err := c.unpack(ctx, img); err != nil {
		return "", err
	}
	return imageID(img), nil
}

func imageID(img ctrd.Image) string {
	n, err := reference.ParseNormalizedNamed(img.Name())
	if err != nil {
		return img.Target().Digest.String()
	}
	return n.Name() + "@" + img.Target().Digest.String()
}

// unpack unpacks img unless it was seen unpacked before (by digest: the
// check costs several containerd calls on every container start).
func (c *Containerd) unpack(ctx context.Context, img ctrd.Image) error {
	key := img.Target().Digest.String()
	c.mu.Lock()
	done := c.unpacked[key]
	c.mu.Unlock()
	if done {
		return nil
	}
	if err := c.unpackOnce(ctx, img); err != nil {
		return err
	}
	c.mu.Lock()
	c.unpacked[key] = true
	c.mu.Unlock()
	return nil
}

func (c *Containerd) unpackOnce(ctx context.Context, img ctrd.Image) error {
	ok, err := img.IsUnpacked(ctx, snapshotter)
	if err != nil {
		return fmt.Errorf("runtime: image %s: %w", img.Name(), err)
	}
	if ok {
		return nil
	}
	if err := img.Unpack(ctx, snapshotter); err != nil {
		return fmt.Errorf("runtime: unpack %s: %w", img.Name(), err)
	}
	return nil
}

// ImportImages implements runtime.Runtime.
func (c *Containerd) ImportImages(ctx context.Context, dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tar"))
	if err != nil {
		return fmt.Errorf("runtime: %w", err)
	}
	for _, p := range paths {
		if err := c.importFile(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (c *Containerd) importFile(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("runtime: import: %w", err)
	}
	defer f.Close()
	imgs, err := c.client.Import(ctx, f)
	if err != nil {
		return fmt.Errorf("runtime: import %s: %w", path, err)
	}
	for _, i := range imgs {
		if err := c.unpack(ctx, ctrd.NewImage(c.client, i)); err != nil {
			return err
		}
		c.mu.Lock()
		c.imported[i.Name] = true
		c.mu.Unlock()
		c.log.InfoContext(ctx, "imported image", "image", i.Name, "file", path)
	}
	return nil
}

// CreateContainer implements runtime.Runtime.
func (c *Containerd) CreateContainer(ctx context.Context, spec runtime.ContainerSpec) (string, error) {
	name, err := NormalizeImage(spec.Image)
	if err != nil {
		return "", err
	}
	img, err := c.client.GetImage(ctx, name)
	if err != nil {
		return "", fmt.Errorf("runtime: image %s: %w", name, err)
	}
	id := runtime.ContainerID(spec.PodUID, spec.Name, spec.Attempt)
	opts, err := specOpts(ctx, img, spec)
	if err != nil {
		return "", err
	}
	_, err = c.client.NewContainer(ctx, id,
		ctrd.WithImage(img),
		ctrd.WithNewSnapshot(id, img),
		ctrd.WithContainerLabels(specLabels(spec)),
		ctrd.WithNewSpec(opts...),
	)
	if err != nil {
		return "", fmt.Errorf("runtime: create container %s: %w", id, err)
	}
	if spec.LogPath != "" {
		if err := os.MkdirAll(filepath.Dir(spec.LogPath), 0o755); err != nil {
			return "", fmt.Errorf("runtime: log dir: %w", err)
		}
	}
	return id, nil
}

func specLabels(spec runtime.ContainerSpec) map[string]string {
	return map[string]string{
		runtime.LabelPodUID:       spec.PodUID,
		runtime.LabelPodNamespace: spec.PodNamespace,
		runtime.LabelPodName:      spec.PodName,
		runtime.LabelContainer:    spec.Name,
		runtime.LabelAttempt:      strconv.Itoa(spec.Attempt),
		runtime.LabelInit:         strconv.FormatBool(spec.Init),
		runtime.LabelLogPath:      spec.LogPath,
	}
}

// specOpts builds the OCI spec options; Command/Args follow Kubernetes.
func specOpts(ctx context.Context, img ctrd.Image, spec runtime.ContainerSpec) ([]oci.SpecOpts, error) {
	opts := []oci.SpecOpts{oci.WithImageConfig(img)}
	if len(spec.Command) > 0 || len(spec.Args) > 0 {
		args, err := processArgs(ctx, img, spec.Command, spec.Args)
		if err != nil {
			return nil, err
		}
		opts = append(opts, oci.WithProcessArgs(args...))
	}
	if len(spec.Env) > 0 {
		opts = append(opts, oci.WithEnv(spec.Env))
	}
	if spec.WorkingDir != "" {
		opts = append(opts, oci.WithProcessCwd(spec.WorkingDir))
	}
	if spec.Hostname != "" {
		opts = append(opts, oci.WithHostname(spec.Hostname))
	}
	if spec.NetNSPath != "" {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: spec.NetNSPath}))
	} else {
		opts = append(opts, oci.WithHostNamespace(specs.NetworkNamespace))
	}
	var mounts []specs.Mount
	for _, m := range spec.Mounts {
		o := []string{"rbind", "rw"}
		if m.ReadOnly {
			o[1] = "ro"
		}
		mounts = append(mounts, specs.Mount{Type: "bind", Source: m.Source, Destination: m.Destination, Options: o})
	}
	opts = append(opts, oci.WithMounts(mounts))
	opts = append(opts, resourceOpts(spec)...)
	if spec.RunAsUser != nil {
		gid := uint32(0)
		if spec.RunAsGroup != nil {
			gid = uint32(*spec.RunAsGroup)
		}
		opts = append(opts, oci.WithUIDGID(uint32(*spec.RunAsUser), gid))
	}
	if spec.Privileged {
		opts = append(opts, oci.WithPrivileged, oci.WithAllDevicesAllowed, oci.WithHostDevices)
	}
	if spec.ReadOnlyRootFS {
		opts = append(opts, oci.WithRootFSReadonly())
	}
	if len(spec.CapAdd) > 0 {
		opts = append(opts, oci.WithAddedCapabilities(capNames(spec.CapAdd)))
	}
	for _, c := range spec.CapDrop {
		if strings.EqualFold(c, "ALL") {
			opts = append(opts, oci.WithCapabilities(capNames(spec.CapAdd)))
			break
		}
	}
	if len(spec.CapDrop) > 0 {
		opts = append(opts, oci.WithDroppedCapabilities(capNames(spec.CapDrop)))
	}
	return opts, nil
}

// capNames turns "NET_ADMIN" into "CAP_NET_ADMIN"; "ALL" is dropped (the
// caller handles it).
func capNames(caps []string) []string {
	var out []string
	for _, c := range caps {
		c = strings.ToUpper(c)
		if c == "ALL" {
			continue
		}
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return out
}

// processArgs merges Kubernetes command/args with the image's
// entrypoint/cmd: command replaces entrypoint (and drops cmd), args replace cmd.
func processArgs(ctx context.Context, img ctrd.Image, command, args []string) ([]string, error) {
	if len(command) > 0 {
		return append(append([]string{}, command...), args...), nil
	}
	desc, err := img.Config(ctx)
	if err != nil {
		return nil, fmt.Errorf("runtime: image config: %w", err)
	}
	cfg, err := readImageConfig(ctx, img, desc)
	if err != nil {
		return nil, err
	}
	return append(append([]string{}, cfg.Entrypoint...), args...), nil
}

// StartContainer implements runtime.Runtime.
func (c *Containerd) StartContainer(ctx context.Context, id string) error {
	ctr, err := c.client.LoadContainer(ctx, id)
	if err != nil {
		return notFound(id, err)
	}
	labels, err := ctr.Labels(ctx)
	if err != nil {
		return fmt.Errorf("runtime: %s labels: %w", id, err)
	}
	creator, started := cio.Creator(cio.NullIO), func(cio.IO) {}
	if p := labels[runtime.LabelLogPath]; p != "" {
		if creator, started, err = c.logIO(id, p); err != nil {
			return fmt.Errorf("runtime: log of %s: %w", id, err)
		}
	}
	task, err := ctr.NewTask(ctx, creator)
	if err != nil {
		started(nil)
		return fmt.Errorf("runtime: create task %s: %w", id, err)
	}
	started(task.IO())
	if err := task.Start(ctx); err != nil {
		_, _ = task.Delete(ctx, ctrd.WithProcessKill)
		return fmt.Errorf("runtime: start %s: %w", id, err)
	}
	stamp := map[string]string{runtime.LabelStartedAt: time.Now().UTC().Format(time.RFC3339Nano)}
	if _, err := ctr.SetLabels(ctx, stamp); err != nil {
		return fmt.Errorf("runtime: %s set labels: %w", id, err)
	}
	return nil
}

// StopContainer implements runtime.Runtime.
func (c *Containerd) StopContainer(ctx context.Context, id string, grace time.Duration) error {
	ctr, err := c.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("runtime: stop %s: %w", id, err)
	}
	task, err := ctr.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("runtime: stop %s: %w", id, err)
	}
	st, err := task.Status(ctx)
	if err != nil || st.Status == ctrd.Stopped {
		return nil
	}
	waitC, err := task.Wait(ctx)
	if err != nil {
		return fmt.Errorf("runtime: wait %s: %w", id, err)
	}
	if grace > 0 {
		if err := task.Kill(ctx, syscall.SIGTERM); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("runtime: SIGTERM %s: %w", id, err)
		}
		select {
		case <-waitC:
			return nil
		case <-time.After(grace):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := task.Kill(ctx, syscall.SIGKILL, ctrd.WithKillAll); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("runtime: SIGKILL %s: %w", id, err)
	}
	select {
	case <-waitC:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RemoveContainer implements runtime.Runtime.
func (c *Containerd) RemoveContainer(ctx context.Context, id string) error {
	ctr, err := c.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("runtime: remove %s: %w", id, err)
	}
	if task, err := ctr.Task(ctx, nil); err == nil {
		if _, err := task.Delete(ctx, ctrd.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("runtime: delete task %s: %w", id, err)
		}
	} else if !errdefs.IsNotFound(err) {
		return fmt.Errorf("runtime: remove %s: %w", id, err)
	}
	if err := ctr.Delete(ctx, ctrd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("runtime: delete container %s: %w", id, err)
	}
	c.mu.Lock()
	delete(c.imageIDs, id)
	c.mu.Unlock()
	return nil
}

// ListContainers implements runtime.Runtime.
func (c *Containerd) ListContainers(ctx context.Context, selector map[string]string) ([]runtime.Container, error) {
	var filters []string
	if len(selector) > 0 {
		var parts []string
		for k, v := range selector {
			parts = append(parts, fmt.Sprintf("labels.%q==%q", k, v))
		}
		filters = []string{strings.Join(parts, ",")}
	} else {
		filters = []string{fmt.Sprintf("labels.%q", runtime.LabelPodUID)}
	}
	ctrs, err := c.client.Containers(ctx, filters...)
	if err != nil {
		return nil, fmt.Errorf("runtime: list containers: %w", err)
	}
	out := make([]runtime.Container, 0, len(ctrs))
	for _, ctr := range ctrs {
		st, err := c.status(ctx, ctr)
		if errors.Is(err, runtime.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// ContainerStatus implements runtime.Runtime.
func (c *Containerd) ContainerStatus(ctx context.Context, id string) (runtime.Container, error) {
	ctr, err := c.client.LoadContainer(ctx, id)
	if err != nil {
		return runtime.Container{}, notFound(id, err)
	}
	return c.status(ctx, ctr)
}

func notFound(id string, err error) error {
	if errdefs.IsNotFound(err) {
		return fmt.Errorf("runtime: %s: %w", id, runtime.ErrNotFound)
	}
	return fmt.Errorf("runtime: %s: %w", id, err)
}
