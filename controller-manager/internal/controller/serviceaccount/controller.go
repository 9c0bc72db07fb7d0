// Package serviceaccount is the ServiceAccounts controller: every active
// namespace has the ServiceAccounts named in Config.Names ("default"),
// recreated if deleted.
//
//	namespace add/update, serviceaccount delete ──► queue(namespace) ──► sync
//	    read:    namespace, its service accounts (listers)
//	    compute: Missing(namespace, accounts, names)
//	    write:   create the missing accounts
package serviceaccount

import (
	"context"
	"errors"
	"fmt"
	"github.com/wharfhq/wharf/controller-manager/internal/controller/worker"
	"log/slog"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
	"github.com/wharfhq/wharf/proto/informer"
	"github.com/wharfhq/wharf/proto/workqueue"
)

// Creator creates ServiceAccounts.
type Creator interface {
	Create(ctx context.Context, sa *corev1.ServiceAccount) error
}

// APICreator creates ServiceAccounts through the apiserver.
type APICreator struct{ Client *client.Client }

// Create creates sa.
func (a APICreator) Create(ctx context.Context, sa *corev1.ServiceAccount) error {
	_, err := client.ServiceAccounts(a.Client, sa.Namespace).Create(ctx, sa, metav1.CreateOptions{})
	return err
}

// Config wires the controller.
type Config struct {
	Namespaces      *informer.Informer[*corev1.Namespace]
	ServiceAccounts *informer.Informer[*corev1.ServiceAccount]
	Creator         Creator
	Logger          *slog.Logger
	// Names are the accounts every namespace gets (default ["default"]).
	Names []string
}

// Controller ensures the default ServiceAccounts exist.
type Controller struct {
	cfg   Config
	queue *workqueue.Queue[string]
}

// New builds the controller and registers its event handlers.
func New(cfg Config) *Controller {
	if len(cfg.Names) == 0 {
		cfg.Names = []string{"default"}
	}
	c := &Controller{cfg: cfg, queue: workqueue.New(workqueue.Config[string]{Name: "serviceaccount"})}
	cfg.Namespaces.AddHandler(informer.Handler[*corev1.Namespace]{
		OnAdd:    func(ns *corev1.Namespace, _ bool) { c.queue.Add(ns.Name) },
		OnUpdate: func(_, ns *corev1.Namespace) { c.queue.Add(ns.Name) },
	})
	cfg.ServiceAccounts.AddHandler(informer.Handler[*corev1.ServiceAccount]{
		OnDelete: func(sa *corev1.ServiceAccount) { c.queue.Add(sa.Namespace) },
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !informer.WaitForCacheSync(ctx, c.cfg.Namespaces.HasSynced, c.cfg.ServiceAccounts.HasSynced) {
		return
	}
	worker.Process(ctx, c.queue, workers, c.cfg.Logger, c.sync)
}

// sync creates the accounts missing from namespace name.
func (c *Controller) sync(ctx context.Context, name string) error {
	ns, ok := c.cfg.Namespaces.Lister().Get("", name)
	if !ok {
		return nil
	}
	var errs []error
	for _, sa := range Missing(ns, c.cfg.ServiceAccounts.Lister().ByNamespace(name), c.cfg.Names) {
		err := c.cfg.Creator.Create(ctx, sa)
		switch {
		case err == nil:
			c.cfg.Logger.Info("created service account", "namespace", name, "name", sa.Name)
		case apierrors.IsAlreadyExists(err):
		case apierrors.IsForbidden(err) || apierrors.IsNotFound(err):
			// The namespace is terminating or gone.
		default:
			errs = append(errs, fmt.Errorf("creating service account %s/%s: %w", name, sa.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Missing returns the accounts of names that ns lacks; none for a
// terminating namespace.
func Missing(ns *corev1.Namespace, have []*corev1.ServiceAccount, names []string) []*corev1.ServiceAccount {
	if ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return nil
	}
	exists := map[string]bool{}
	for _, sa := range have {
		exists[sa.Name] = true
	}
	var out []*corev1.ServiceAccount
	for _, n := range names {
		if !exists[n] {
			out = append(out, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: n, Namespace: ns.Name}})
		}
	}
	return out
}
