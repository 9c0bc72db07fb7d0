package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/urfave/cli/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/wharfhq/wharf/proto/client"
)

// exitCodeError makes wharf exit with a remote command's exit code,
// printing nothing more (the command's own output said why).
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string {
	return fmt.Sprintf("command terminated with exit code %d", e.code)
}

// exitCode returns the process exit code err asks for, if any.
func exitCode(err error) (int, bool) {
	var ec exitCodeError
	if errors.As(err, &ec) {
		return ec.code, true
	}
	return 0, false
}

// restConfig is the client-go configuration of the command's connection,
// for client-go's streaming clients (remotecommand, portforward).
func (e *Env) restConfig(c *cli.Context) (*rest.Config, error) {
	cl, err := e.Client(c)
	if err != nil {
		return nil, err
	}
	cfg := cl.Config()
	return &rest.Config{
		Host: cfg.Host, BearerToken: cfg.BearerToken, UserAgent: "wharf",
		TLSClientConfig: rest.TLSClientConfig{CAData: cfg.CAData, CertData: cfg.CertData, KeyData: cfg.KeyData,
			Insecure: cfg.Insecure, ServerName: cfg.ServerName},
	}, nil
}

// subresourceURL is the absolute URL of a pod's connect subresource.
func (e *Env) subresourceURL(c *cli.Context, pod, sub string, q url.Values) (*url.URL, error) {
	cl, err := e.Client(c)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimSuffix(cl.Config().Host, "/"))
	if err != nil {
		return nil, fmt.Errorf("server address: %w", err)
	}
	u.Path += "/api/v1/namespaces/" + url.PathEscape(e.namespace) + "/pods/" + url.PathEscape(pod) + "/" + sub
	u.RawQuery = q.Encode()
	return u, nil
}

// runningPod fetches a pod by NAME, pod/NAME or pods/NAME and checks it
// can run commands.
func (e *Env) runningPod(ctx context.Context, c *cli.Context, arg string) (*corev1.Pod, error) {
	cl, err := e.Client(c)
	if err != nil {
		return nil, err
	}
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "pod/"), "pods/")
	pod, err := client.Pods(cl, e.namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return nil, fmt.Errorf("cannot exec into a container in a completed pod; current phase is %s", pod.Status.Phase)
	}
	return pod, nil
}

// defaultContainer is kubectl's choice when -c is not given: the
// kubectl.kubernetes.io/default-container annotation, else the first
// container (announced on stderr when there are several).
func (e *Env) defaultContainer(pod *corev1.Pod) string {
	if n := pod.Annotations["kubectl.kubernetes.io/default-container"]; n != "" {
		return n
	}
	if len(pod.Spec.Containers) == 0 {
		return ""
	}
	if len(pod.Spec.Containers) > 1 {
		var names []string
		for _, c := range pod.Spec.Containers {
			names = append(names, c.Name)
		}
		fmt.Fprintf(e.Err, "Defaulted container %q out of: %s\n", names[0], strings.Join(names, ", "))
	}
	return pod.Spec.Containers[0].Name
}
