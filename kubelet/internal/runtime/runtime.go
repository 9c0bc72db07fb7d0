package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Labels set on every container the kubelet creates.
const (
	LabelPodUID       = "io.wharf.pod.uid"
	LabelPodNamespace = "io.wharf.pod.namespace"
	LabelPodName      = "io.wharf.pod.name"
	LabelContainer    = "io.wharf.container.name"
	LabelAttempt      = "io.wharf.container.attempt"
	LabelInit         = "io.wharf.container.init"
	LabelLogPath      = "io.wharf.container.log-path"
	// LabelStartedAt records when the container's task was started
	// (RFC 3339 with nanoseconds); containerd itself does not keep it.
	LabelStartedAt = "io.wharf.container.started-at"
	// LabelOOMKilled records, once a container exited, whether the kernel
	// OOM-killed a process in its cgroup ("true"/"false").
	LabelOOMKilled = "io.wharf.container.oom-killed"
)

// ErrImageNotPresent is returned by EnsureImage for PullNever when the image
// is missing.
var ErrImageNotPresent = errors.New("image not present")

// ErrNotFound is returned for a container ID the runtime does not know.
var ErrNotFound = errors.New("container not found")

// ErrNotSupported is returned for an operation a runtime cannot do (the
// fake runtime of hollow nodes has no processes to stream).
var ErrNotSupported = errors.New("not supported by this runtime")

// TermSize is a terminal's size in character cells.
type TermSize struct{ Width, Height uint16 }

// StreamIO are the client's streams of an interactive exec. A nil Stdin
// gives the process no stdin; when Stdin ends the process's stdin is
// closed. Nil Stdout or Stderr discard that output. With TTY the process
// gets a terminal (its output all arrives on Stdout) sized by Resize.
type StreamIO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	TTY            bool
	Resize         <-chan TermSize
}

// PullPolicy mirrors corev1.PullPolicy.
type PullPolicy string

// Pull policies.
const (
	PullAlways       PullPolicy = "Always"
	PullIfNotPresent PullPolicy = "IfNotPresent"
	PullNever        PullPolicy = "Never"
)

// State is a container's life-cycle state.
type State string

// Container states.
const (
	StateCreated State = "Created"
	StateRunning State = "Running"
	StateExited  State = "Exited"
	StateUnknown State = "Unknown"
)

// Mount is a bind mount into a container.
type Mount struct {
	Source, Destination string
	ReadOnly            bool
}

// ContainerSpec is everything needed to create one container of a pod.
// Command and Args follow Kubernetes semantics: Command replaces the image's
// entrypoint, Args its cmd.
type ContainerSpec struct {
	PodUID, PodNamespace, PodName string
	Name                          string
	Attempt                       int
	Init                          bool
	Image                         string
	Command, Args                 []string
	Env                           []string // KEY=value, applied over the image's env
	WorkingDir                    string
	Hostname                      string
	// NetNSPath is the pod's network namespace file; "" means the host's.
	NetNSPath string
	Mounts    []Mount
	// LogPath receives the container's stdout and stderr.
	LogPath string
	// Privileged, RunAsUser/RunAsGroup (nil = image default).
	Privileged bool
	RunAsUser  *int64
	RunAsGroup *int64
	// ReadOnlyRootFS mounts the image read-only; CapAdd/CapDrop are
	// capability names with or without the CAP_ prefix ("ALL" drops all).
	ReadOnlyRootFS  bool
	CapAdd, CapDrop []string
	// CgroupParent is the pod's cgroup ("/wharf/burstable/pod<uid>"); the
	// container's cgroup is made below it. "" leaves containerd's default.
	CgroupParent string
	// Resources are the container's cgroup limits; nil means none.
	Resources *Resources
}

// Resources are one container's (or pod's) cgroup settings, in cgroup v1
// units; a zero field means "not set".
type Resources struct {
	CPUShares   uint64 // cpu.shares, 2..262144
	CPUQuota    int64  // microseconds of CPU per CPUPeriod
	CPUPeriod   uint64 // microseconds (100000 when CPUQuota is set)
	MemoryLimit int64  // bytes
	PidsLimit   int64
	// OOMScoreAdj is the process's oom_score_adj (set even when 0 when
	// Resources is not nil).
	OOMScoreAdj int
}

// Container is what the runtime reports about one container.
type Container struct {
	ID                            string
	PodUID, PodNamespace, PodName string
	Name                          string
	Attempt                       int
	Init                          bool
	Image, ImageID                string
	State                         State
	ExitCode                      int32
	// Reason is set for exited containers: Completed, Error or OOMKilled.
	Reason                           string
	CreatedAt, StartedAt, FinishedAt time.Time
}

// Runtime runs pods' containers. Implementations are safe for concurrent
// use; every method is idempotent where that makes sense (Stop of a stopped
// container, Remove of a removed one return nil).
type Runtime interface {
	// EnsureImage makes ref available according to policy and returns the
	// image's ID (repo digest). Pull errors keep the registry's message.
	EnsureImage(ctx context.Context, ref string, policy PullPolicy) (string, error)
	// ImportImages imports every *.tar OCI/Docker archive in dir.
	ImportImages(ctx context.Context, dir string) error
	// CreateContainer creates (but does not start) a container.
	CreateContainer(ctx context.Context, spec ContainerSpec) (string, error)
	// StartContainer starts a created container.
	StartContainer(ctx context.Context, id string) error
	// StopContainer sends SIGTERM, waits up to grace, then SIGKILL.
	StopContainer(ctx context.Context, id string, grace time.Duration) error
	// RemoveContainer stops it hard if needed and deletes it.
	RemoveContainer(ctx context.Context, id string) error
	// ListContainers returns the kubelet's containers whose labels include
	// all of selector (nil = all).
	ListContainers(ctx context.Context, selector map[string]string) ([]Container, error)
	// ContainerStatus reports one container; ErrNotFound if unknown.
	ContainerStatus(ctx context.Context, id string) (Container, error)
	// Exec runs cmd in a running container (lifecycle hooks) and returns
	// its exit code once it ends or ctx does.
	Exec(ctx context.Context, id string, cmd []string) (int, error)
	// ExecStream runs cmd in a running container wired to the client's
	// streams (kubectl exec) and returns its exit code once it ended and
	// its output was copied. When ctx ends first the process is killed.
	ExecStream(ctx context.Context, id string, cmd []string, sio StreamIO) (int, error)
	// Attach copies a running container's output from now on to
	// sio.Stdout and sio.Stderr until ctx ends or the container's output
	// does (kubectl attach).
	Attach(ctx context.Context, id string, sio StreamIO) error
}

// Credential authenticates image pulls from one registry host
// ("docker.io", "127.0.0.1:5000").
type Credential struct {
	Host               string
	Username, Password string
}

type credentialsKey struct{}

// WithCredentials returns ctx carrying the pull credentials of one pod's
// imagePullSecrets; EnsureImage uses them for that call only.
func WithCredentials(ctx context.Context, creds []Credential) context.Context {
	if len(creds) == 0 {
		return ctx
	}
	return context.WithValue(ctx, credentialsKey{}, creds)
}

// CredentialsFrom returns the credentials WithCredentials put in ctx.
func CredentialsFrom(ctx context.Context) []Credential {
	c, _ := ctx.Value(credentialsKey{}).([]Credential)
	return c
}

// ContainerID is the runtime ID of a pod container's attempt.
func ContainerID(podUID, name string, attempt int) string {
	return fmt.Sprintf("%s-%s-%d", podUID, name, attempt)
}

// ExitReason maps an exit code to upstream's terminated reason.
func ExitReason(code int32, oom bool) string {
	switch {
	case oom:
		return "OOMKilled"
	case code == 0:
		return "Completed"
	default:
		return "Error"
	}
}
