package streaming

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	rcconst "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// Pods lists the pods the kubelet runs (the pod controller).
type Pods interface {
	Pods() []*corev1.Pod
}

// Runtime is what the server needs of the container runtime.
type Runtime interface {
	ListContainers(ctx context.Context, selector map[string]string) ([]runtime.Container, error)
	ExecStream(ctx context.Context, id string, cmd []string, sio runtime.StreamIO) (int, error)
	Attach(ctx context.Context, id string, sio runtime.StreamIO) error
}

// Config configures a Server.
type Config struct {
	Pods    Pods
	Runtime Runtime
	// NetNS is the network namespace file of a pod's sandbox; "" means
	// the kubelet's own (hostNetwork pods).
	NetNS func(pod *corev1.Pod) string
	// IdleTimeout closes a stream connection without traffic (default 4h,
	// upstream's --streaming-connection-idle-timeout).
	IdleTimeout time.Duration
	Log         *slog.Logger
}

// streamCreationTimeout bounds how long a SPDY client may take to open
// its streams after the upgrade.
const streamCreationTimeout = 30 * time.Second

// Server serves exec, attach and portForward.
type Server struct {
	cfg Config
}

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 4 * time.Hour
	}
	if cfg.NetNS == nil {
		cfg.NetNS = func(*corev1.Pod) string { return "" }
	}
	return &Server{cfg: cfg}
}

// Routes returns the server's handlers by http.ServeMux pattern; every
// method is accepted (websockets upgrade a GET, SPDY a POST). The caller
// authenticates.
func (s *Server) Routes() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/exec/{ns}/{pod}/{container}":   s.serveExec,
		"/attach/{ns}/{pod}/{container}": s.serveAttach,
		"/portForward/{ns}/{pod}":        s.servePortForward,
	}
}

// httpError is a failure answered before any upgrade.
type httpError struct {
	code   int
	reason metav1.StatusReason
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, a ...any) error {
	return &httpError{http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf(format, a...)}
}

func notFound(format string, a ...any) error {
	return &httpError{http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf(format, a...)}
}

// writeError answers err as an upstream Status, which kubectl prints.
func writeError(w http.ResponseWriter, err error) {
	he := &httpError{http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error()}
	errors.As(err, &he)
	st := metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status: metav1.StatusFailure, Message: he.msg, Reason: he.reason, Code: int32(he.code)}
	b, _ := json.Marshal(st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(he.code)
	_, _ = w.Write(b)
}

// pod finds a pod the kubelet runs.
func (s *Server) pod(ns, name string) (*corev1.Pod, error) {
	for _, p := range s.cfg.Pods.Pods() {
		if p.Namespace == ns && p.Name == name {
			return p, nil
		}
	}
	return nil, notFound("pod %s/%s not found on this node", ns, name)
}

// runningContainer returns the runtime ID of the newest running attempt
// of a pod's container.
func (s *Server) runningContainer(ctx context.Context, pod *corev1.Pod, name string) (string, error) {
	if !hasContainer(pod, name) {
		return "", badRequest("container %s is not valid for pod %s", name, pod.Name)
	}
	list, err := s.cfg.Runtime.ListContainers(ctx, map[string]string{runtime.LabelPodUID: string(pod.UID), runtime.LabelContainer: name})
	if err != nil {
		return "", fmt.Errorf("streaming: %w", err)
	}
	id, attempt := "", -1
	for _, c := range list {
		if c.State == runtime.StateRunning && c.Attempt > attempt {
			id, attempt = c.ID, c.Attempt
		}
	}
	if id == "" {
		return "", badRequest("container %s in pod %s is not running", name, pod.Name)
	}
	return id, nil
}

func hasContainer(pod *corev1.Pod, name string) bool {
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.Name == name {
			return true
		}
	}
	return false
}

// target resolves the pod and running container a request names.
func (s *Server) target(r *http.Request) (*corev1.Pod, string, error) {
	pod, err := s.pod(r.PathValue("ns"), r.PathValue("pod"))
	if err != nil {
		return nil, "", err
	}
	id, err := s.runningContainer(r.Context(), pod, r.PathValue("container"))
	return pod, id, err
}

// commandTarget is target plus the request's stream options (exec and
// attach); bad options are a 400.
func (s *Server) commandTarget(r *http.Request) (*corev1.Pod, string, *remotecommand.Options, error) {
	pod, id, err := s.target(r)
	if err != nil {
		return nil, "", nil, err
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		return nil, "", nil, badRequest("%v", err)
	}
	return pod, id, opts, nil
}

// exitStatus is the error stream's final Status for a command's result.
func exitStatus(code int, err error) metav1.Status {
	switch {
	case err != nil:
		return metav1.Status{Status: metav1.StatusFailure, Reason: metav1.StatusReasonInternalError, Code: http.StatusInternalServerError,
			Message: fmt.Sprintf("error executing command in container: %v", err)}
	case code != 0:
		return metav1.Status{Status: metav1.StatusFailure, Reason: rcconst.NonZeroExitCodeReason,
			Message: fmt.Sprintf("command terminated with non-zero exit code: exit status %d", code),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: rcconst.ExitCodeCauseType, Message: strconv.Itoa(code)}}}}
	}
	return metav1.Status{Status: metav1.StatusSuccess}
}
