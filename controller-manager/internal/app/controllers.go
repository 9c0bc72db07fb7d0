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

	"github.com/wharfhq/wharf/controller-manager/internal/controller/cronjob"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/daemonset"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/deployment"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/endpoints"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/endpointslice"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/garbagecollector"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/job"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/namespace"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/nodeipam"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/nodelifecycle"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/pvbinder"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/replication"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/serviceaccount"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/statefulset"
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

// runner is a built controller: Run processes its queue with workers
// goroutines until ctx ends.
type runner interface {
	Run(ctx context.Context, workers int)
}

// starter builds a controller, registering its informers.
type starter func(d *Deps) runner

// disabled is the runner of a controller that could not be built.
type disabled struct{}

func (disabled) Run(context.Context, int) {}

// controllers lists every controller by its upstream name.
func controllers() map[string]starter {
	all := workloadControllers()
	for name, s := range clusterControllers() {
		all[name] = s
	}
	return all
}

// workloadControllers run pods for workload objects.
func workloadControllers() map[string]starter {
	return map[string]starter{
		"cronjob": func(d *Deps) runner {
			c := cronjob.New(cronjob.Config{
				CronJobs: d.Informers.CronJobs(), Jobs: d.Informers.Jobs(),
				JobCtl: cronjob.APIControl{Client: d.Client}, Status: cronjob.APIControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("cronjob-controller"), Logger: d.Logger.With("controller", "cronjob"), Now: d.Now,
			})
			return c
		},
		"daemonset": func(d *Deps) runner {
			c := daemonset.New(daemonset.Config{
				DaemonSets: d.Informers.DaemonSets(), Nodes: d.Informers.Nodes(), Pods: d.Informers.Pods(),
				PodCtl: daemonset.APIControl{Client: d.Client}, Status: daemonset.APIControl{Client: d.Client},
				Revisions: d.Informers.ControllerRevisions(), RevCtl: daemonset.APIControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("daemonset-controller"), Logger: d.Logger.With("controller", "daemonset"), Now: d.Now,
			})
			return c
		},
		"deployment": func(d *Deps) runner {
			c := deployment.New(deployment.Config{
				Deployments: d.Informers.Deployments(), ReplicaSets: d.Informers.ReplicaSets(),
				RSControl: deployment.APIControl{Client: d.Client}, DControl: deployment.APIControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("deployment-controller"), Logger: d.Logger.With("controller", "deployment"), Now: d.Now,
			})
			return c
		},
		"job": func(d *Deps) runner {
			c := job.New(job.Config{
				Jobs: d.Informers.Jobs(), Pods: d.Informers.Pods(),
				PodCtl: job.APIControl{Client: d.Client}, JobCtl: job.APIControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("job-controller"), Logger: d.Logger.With("controller", "job"), Now: d.Now,
			})
			return c
		},
		"statefulset": func(d *Deps) runner {
			c := statefulset.New(statefulset.Config{
				StatefulSets: d.Informers.StatefulSets(), Pods: d.Informers.Pods(), Claims: d.Informers.PersistentVolumeClaims(),
				Control: statefulset.APIControl{Client: d.Client}, Status: statefulset.APIControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("statefulset-controller"), Logger: d.Logger.With("controller", "statefulset"),
			})
			return c
		},
		"replicaset": func(d *Deps) runner {
			c := replication.New(replication.Config[*appsv1.ReplicaSet]{
				Kind: replication.ReplicaSetKind(), Owners: d.Informers.ReplicaSets(), Pods: d.Informers.Pods(),
				Client: d.Client, PodCtl: replication.APIPodControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("replicaset-controller"), Logger: d.Logger.With("controller", "replicaset"), Now: d.Now,
			})
			return c
		},
		"replicationcontroller": func(d *Deps) runner {
			c := replication.New(replication.Config[*corev1.ReplicationController]{
				Kind: replication.ReplicationControllerKind(), Owners: d.Informers.ReplicationControllers(), Pods: d.Informers.Pods(),
				Client: d.Client, PodCtl: replication.APIPodControl{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("replication-controller"), Logger: d.Logger.With("controller", "replicationcontroller"), Now: d.Now,
			})
			return c
		},
	}
}

// clusterControllers keep services, namespaces, ownership, nodes and
// volumes consistent.
func clusterControllers() map[string]starter {
	return map[string]starter{
		"endpoints": func(d *Deps) runner {
			c := endpoints.New(endpoints.Config{
				Services: d.Informers.Services(), Pods: d.Informers.Pods(), Endpoints: d.Informers.Endpoints(),
				Writer: endpoints.APIWriter{Client: d.Client}, Recorder: d.Broadcaster.Recorder("endpoint-controller"),
				Logger: d.Logger.With("controller", "endpoints"),
			})
			return c
		},
		"endpointslice": func(d *Deps) runner {
			c := endpointslice.New(endpointslice.Config{
				Services: d.Informers.Services(), Pods: d.Informers.Pods(), Slices: d.Informers.EndpointSlices(),
				Writer: endpointslice.APIWriter{Client: d.Client}, Recorder: d.Broadcaster.Recorder("endpoint-slice-controller"),
				Logger: d.Logger.With("controller", "endpointslice"),
			})
			return c
		},
		"namespace": func(d *Deps) runner {
			c := namespace.New(namespace.Config{
				Namespaces: d.Informers.Namespaces(), Content: namespace.APIContent{Client: d.Client},
				Logger: d.Logger.With("controller", "namespace"), Now: d.Now,
			})
			return c
		},
		"serviceaccount": func(d *Deps) runner {
			c := serviceaccount.New(serviceaccount.Config{
				Namespaces: d.Informers.Namespaces(), ServiceAccounts: d.Informers.ServiceAccounts(),
				Creator: serviceaccount.APICreator{Client: d.Client}, Logger: d.Logger.With("controller", "serviceaccount"),
			})
			return c
		},
		"garbagecollector": func(d *Deps) runner {
			c := garbagecollector.New(garbagecollector.Config{
				Source: garbagecollector.APISource(d.Client), Client: garbagecollector.APIClient{Client: d.Client},
				Logger: d.Logger.With("controller", "garbagecollector"), Resync: d.Options.Resync,
			})
			return c
		},
		"nodeipam": func(d *Deps) runner {
			c, err := nodeipam.New(nodeipam.Config{
				Nodes: d.Informers.Nodes(), Patcher: nodeipam.APIPatcher{Client: d.Client},
				Recorder: d.Broadcaster.Recorder("node-ipam-controller"), Logger: d.Logger.With("controller", "nodeipam"),
				ClusterCIDR: d.Options.ClusterCIDR, MaskSize: d.Options.NodeCIDRMaskSize,
			})
			if err != nil {
				d.Logger.Error("nodeipam controller not started", "err", err)
				return disabled{}
			}
			return c
		},
		"nodelifecycle": func(d *Deps) runner {
			c := nodelifecycle.New(nodelifecycle.Config{
				Nodes: d.Informers.Nodes(), Leases: d.Informers.Leases(), Pods: d.Informers.Pods(),
				Writer: nodelifecycle.APIWriter{Client: d.Client}, Recorder: d.Broadcaster.Recorder("node-controller"),
				Logger: d.Logger.With("controller", "nodelifecycle"), Now: d.Now, GracePeriod: d.Options.NodeMonitorGracePeriod,
			})
			return c
		},
		"persistentvolume-binder": func(d *Deps) runner {
			c := pvbinder.New(pvbinder.Config{
				Volumes: d.Informers.PersistentVolumes(), Claims: d.Informers.PersistentVolumeClaims(), Classes: d.Informers.StorageClasses(),
				Writer: pvbinder.APIWriter{Client: d.Client}, Recorder: d.Broadcaster.Recorder("persistentvolume-controller"),
				Logger: d.Logger.With("controller", "persistentvolume-binder"),
			})
			return c
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
