package pods

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// preStop runs the preStop hooks of the pod's running containers in
// parallel, all bounded by grace. Hook failures are logged, never fatal
// (as upstream).
func (c *Controller) preStop(ctx context.Context, pod *corev1.Pod, grace time.Duration) error {
	ctrs, err := c.cfg.Runtime.ListContainers(ctx, map[string]string{runtime.LabelPodUID: string(pod.UID)})
	if err != nil {
		return err
	}
	hctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	var wg sync.WaitGroup
	for _, ctr := range ctrs {
		spec := findContainer(pod, ctr.Name)
		if ctr.State != runtime.StateRunning || spec == nil || spec.Lifecycle == nil || spec.Lifecycle.PreStop == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.runHook(hctx, pod, ctr.ID, spec.Lifecycle.PreStop); err != nil {
				c.cfg.Log.WarnContext(ctx, "preStop hook failed", "pod", pod.Namespace+"/"+pod.Name, "container", ctr.Name, "err", err)
			}
		}()
	}
	wg.Wait()
	return nil
}

func (c *Controller) runHook(ctx context.Context, pod *corev1.Pod, id string, h *corev1.LifecycleHandler) error {
	switch {
	case h.Exec != nil:
		code, err := c.cfg.Runtime.Exec(ctx, id, h.Exec.Command)
		if err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("exec %v exited with %d", h.Exec.Command, code)
		}
		return nil
	case h.HTTPGet != nil:
		return httpHook(ctx, pod, h.HTTPGet)
	case h.Sleep != nil:
		select {
		case <-time.After(time.Duration(h.Sleep.Seconds) * time.Second):
		case <-ctx.Done():
		}
		return nil
	}
	return nil
}

// httpHook GETs the hook's URL from the kubelet's network namespace.
func httpHook(ctx context.Context, pod *corev1.Pod, g *corev1.HTTPGetAction) error {
	host := g.Host
	if host == "" {
		host = pod.Status.PodIP
	}
	port := g.Port.String()
	if g.Port.Type == 0 {
		port = strconv.Itoa(int(g.Port.IntVal))
	} else {
		port = namedPort(pod, g.Port.StrVal)
	}
	scheme := "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+net.JoinHostPort(host, port)+g.Path, nil)
	if err != nil {
		return err
	}
	for _, h := range g.HTTPHeaders {
		req.Header.Add(h.Name, h.Value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: %s", req.URL, resp.Status)
	}
	return nil
}

func namedPort(pod *corev1.Pod, name string) string {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return strconv.Itoa(int(p.ContainerPort))
			}
		}
	}
	return name
}
