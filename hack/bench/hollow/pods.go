package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/hack/bench/proc"
	"github.com/wharfhq/wharf/proto/client"
)

// podNamespace holds the benchmark's pods.
const podNamespace = "default"

// maxCreateAttempts bounds the tries of one pod create; an overloaded
// apiserver answers 5xx or times out and the pod is tried again.
const maxCreateAttempts = 10

// benchPod is pod i; without a scheduler it is bound to node i mod nodes.
func benchPod(i, nodes int, scheduled bool) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p-" + strconv.Itoa(i), Namespace: podNamespace, Labels: map[string]string{"app": "hollow-bench"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
	}
	if !scheduled {
		p.Spec.NodeName = "hollow-" + strconv.Itoa(i%nodes)
	}
	return p
}

// createPods creates o.pods pods from o.clients workers at no more than
// o.podQPS creates per second.
func createPods(ctx context.Context, c *client.Client, o options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	go pace(ctx, next, o.pods, o.podQPS)
	var wg sync.WaitGroup
	errs := make([]error, o.clients)
	for w := range o.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := createPod(ctx, c, benchPod(i, o.nodes, o.scheduler != "")); err != nil {
					errs[w] = err
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pace sends 0..n-1 on next, qps per second, then closes it.
func pace(ctx context.Context, next chan<- int, n int, qps float64) {
	defer close(next)
	interval := time.Duration(float64(time.Second) / qps)
	t0 := time.Now()
	for i := range n {
		if d := time.Until(t0.Add(time.Duration(i) * interval)); d > 0 {
			if proc.Sleep(ctx, d) != nil {
				return
			}
		}
		select {
		case next <- i:
		case <-ctx.Done():
			return
		}
	}
}

// createPod creates pod, retrying failures with backoff; AlreadyExists
// means an earlier attempt got through.
func createPod(ctx context.Context, c *client.Client, pod *corev1.Pod) error {
	var err error
	for attempt := range maxCreateAttempts {
		_, err = client.Pods(c, pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
		if err == nil || apierrors.IsAlreadyExists(err) {
			return nil
		}
		if ctx.Err() != nil || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
			break
		}
		if proc.Sleep(ctx, time.Duration(attempt+1)*time.Second) != nil {
			break
		}
	}
	return fmt.Errorf("create pod %s: %w", pod.Name, err)
}
