package informer_test

import (
	"context"
	"fmt"
	"log/slog"

	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Example shows the controller shape every Wharf controller follows:
// handlers only enqueue keys, one worker loop owns Forget/AddRateLimited,
// and sync reads through the Lister.
func Example() {
	ctx := context.Background()
	c, err := client.New(&client.Config{Host: "http://127.0.0.1:8080"})
	if err != nil {
		panic(err)
	}
	pods := informer.New(informer.FromResource(client.Pods(c, "")), informer.Options[*corev1.Pod]{})
	queue := workqueue.New(workqueue.Config[string]{Name: "pods"})
	defer queue.ShutDown()

	enqueue := func(p *corev1.Pod) { queue.Add(informer.KeyOf(p)) }
	pods.AddHandler(informer.Handler[*corev1.Pod]{
		OnAdd:    func(p *corev1.Pod, _ bool) { enqueue(p) },
		OnUpdate: func(_, p *corev1.Pod) { enqueue(p) },
		OnDelete: enqueue,
	})
	go pods.Run(ctx)
	if !informer.WaitForCacheSync(ctx, pods.HasSynced) {
		return
	}

	sync := func(ctx context.Context, key string) error {
		ns, name := informer.SplitKey(key)
		pod, ok := pods.Lister().Get(ns, name)
		if !ok {
			return nil // deleted meanwhile
		}
		pod = pod.DeepCopy() // never mutate the cache
		_ = pod
		return nil
	}
	for {
		key, shutdown := queue.Get()
		if shutdown {
			return
		}
		if err := sync(ctx, key); err != nil {
			slog.Warn("sync failed; retrying", "key", key, "err", err)
			queue.AddRateLimited(key)
		} else {
			queue.Forget(key)
		}
		queue.Done(key)
		fmt.Println("synced", key)
	}
}
