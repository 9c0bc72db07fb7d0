package app

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/wharfhq/wharf/controller-manager/internal/controller/replication"
	"github.com/wharfhq/wharf/controller-manager/internal/events"
	"github.com/wharfhq/wharf/controller-manager/internal/informers"
	"github.com/wharfhq/wharf/proto/client"
)

// Deps is what every controller is built from.
type Deps struct {
	Client      *client.Client
	Informers   *informers.Factory
	Broadcaster *events.Broadcaster
	Logger      *slog.Logger
	Options     Options
	Now         func() time.Time
}

// starter builds a controller (registering its informers) and returns the
// function that runs it.
type starter func(d *Deps) func(ctx context.Context)

// controllers lists every controller by its upstream name.
func controllers() map[string]starter {
	return map[string]starter{
		"replicaset": func(d *Deps) func(context.Context) {
			c := replication.New(replication.Config[*appsv1.ReplicaSet]{
				Kind: replication.ReplicaSetKind(), Owners: d.Informers.ReplicaSets(), Pods: d.Informers.Pods(),
				Client: d.Client, PodCtl: replication.APIPodControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("replicaset-controller"), Logger: d.Logger.With("controller", "replicaset"), Now: d.Now,
			})
			return func(ctx context.Context) { c.Run(ctx, d.Options.Workers) }
		},
		"replicationcontroller": func(d *Deps) func(context.Context) {
			c := replication.New(replication.Config[*corev1.ReplicationController]{
				Kind: replication.ReplicationControllerKind(), Owners: d.Informers.ReplicationControllers(), Pods: d.Informers.Pods(),
				Client: d.Client, PodCtl: replication.APIPodControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("replication-controller"), Logger: d.Logger.With("controller", "replicationcontroller"), Now: d.Now,
			})
			return func(ctx context.Context) { c.Run(ctx, d.Options.Workers) }
		},
	}
}

// enabledControllers applies --controllers: "*" is every controller,
// "-name" disables one, "name" enables one.
func enabledControllers(spec []string, known map[string]starter) ([]string, error) {
	if len(spec) == 0 {
		spec = []string{"*"}
	}
	on := map[string]bool{}
	for _, s := range spec {
		s = strings.TrimSpace(s)
		name := strings.TrimPrefix(s, "-")
		if name != "*" {
			if _, ok := known[name]; !ok {
				return nil, fmt.Errorf("unknown controller %q in --controllers", name)
			}
		}
		switch {
		case s == "*":
			for n := range known {
				if _, set := on[n]; !set {
					on[n] = true
				}
			}
		case strings.HasPrefix(s, "-"):
			on[name] = false
		default:
			on[name] = true
		}
	}
	var out []string
	for n, enabled := range on {
		if enabled {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}
