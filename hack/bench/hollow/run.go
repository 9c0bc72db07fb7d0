package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/wharfhq/wharf/hack/bench/proc"
	"github.com/wharfhq/wharf/proto/client"
)

// grace is the node-monitor grace period: a lease older than this makes
// the node lifecycle controller mark its node NotReady.
const grace = 40 * time.Second

// bench is one run: the processes under test and what was measured.
type bench struct {
	o                   options
	api, kubelet, sched *proc.Process
	url                 string
	c                   *client.Client
	v                   *view
	rows                []row
	out                 io.Writer
	cleanup             []func()
}

func run(ctx context.Context, o options) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.workDir == "" {
		d, err := os.MkdirTemp("", "wharf-hollow-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.workDir = d
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	b := &bench{o: o, out: os.Stdout}
	defer b.stop()
	if err := b.start(ctx); err != nil {
		return err
	}
	err := b.measure(ctx)
	if err != nil {
		b.add("DID NOT FINISH", err.Error())
	}
	if werr := writeTable(b.out, b.rows); werr != nil && err == nil {
		err = werr
	}
	return err
}

// start runs the apiserver, the scheduler (if any), the benchmark's
// informers and the hollow kubelet process.
func (b *bench) start(ctx context.Context) error {
	var err error
	if b.api, b.url, err = startAPIServer(ctx, b.o.apiserver, b.o.workDir); err != nil {
		return err
	}
	if b.c, err = client.New(&client.Config{Host: b.url, QPS: -1, Timeout: 2 * time.Minute, UserAgent: "hollow-bench"}); err != nil {
		return err
	}
	kc, err := writeKubeconfig(b.o.workDir, b.url)
	if err != nil {
		return err
	}
	if b.o.scheduler != "" {
		if b.sched, err = startScheduler(b.o.workDir, b.o.scheduler, kc); err != nil {
			return err
		}
	}
	if b.v, err = startView(ctx, b.c, podNamespace); err != nil {
		return err
	}
	root := filepath.Join(b.o.workDir, "kubelet")
	if b.o.stateDir != "" {
		if root, err = os.MkdirTemp(b.o.stateDir, "wharf-hollow-"); err != nil {
			return err
		}
		b.cleanup = append(b.cleanup, func() { os.RemoveAll(root) })
	}
	b.kubelet, err = startKubelet(b.o.workDir, b.o.kubelet, kc, root, b.o.nodes)
	return err
}

func (b *bench) stop() {
	for _, p := range []*proc.Process{b.kubelet, b.sched, b.api} {
		if p != nil {
			p.Stop(stopGrace)
		}
	}
	for _, f := range b.cleanup {
		f()
	}
}

func (b *bench) procs() []*proc.Process {
	ps := []*proc.Process{b.api, b.kubelet}
	if b.sched != nil {
		ps = append(ps, b.sched)
	}
	return ps
}

// measure runs the phases: nodes Ready, pods Running, steady window.
func (b *bench) measure(ctx context.Context) error {
	b.add("hollow nodes", fmt.Sprint(b.o.nodes))
	b.add("pods", fmt.Sprintf("%d (%s)", b.o.pods, b.placement()))
	t0 := time.Now()
	if err := b.wait(ctx, "nodes Ready", func() (bool, string) {
		n := b.v.readyNodes()
		return n >= b.o.nodes, fmt.Sprintf("%d/%d nodes Ready", n, b.o.nodes)
	}); err != nil {
		return err
	}
	b.add("time to register all nodes Ready", since(t0))
	if err := proc.Sleep(ctx, b.o.settle); err != nil {
		return err
	}
	if u, err := readUsage(b.kubelet.Pid()); err == nil {
		b.add("hollow RSS per node, no pods", perNode(u.rss, b.o.nodes))
	}
	if b.o.pods > 0 {
		if err := b.podPhase(ctx); err != nil {
			return err
		}
		if err := proc.Sleep(ctx, b.o.settle); err != nil {
			return err
		}
	}
	return b.window(ctx)
}

// podPhase creates the pods at --pod-qps and waits until all are Running.
func (b *bench) podPhase(ctx context.Context) error {
	t0 := time.Now()
	u0 := b.usages()
	created := make(chan error, 1)
	go func() { created <- createPods(ctx, b.c, b.o) }()
	var worst time.Duration
	err := b.wait(ctx, "pods Running", func() (bool, string) {
		select {
		case err := <-created:
			created <- err
			if err != nil {
				return true, err.Error()
			}
		default:
		}
		bound, running := b.v.podPhases()
		ages, _ := b.v.leaseAges(time.Now(), b.o.nodes)
		w := percentile(ages, 100)
		worst = max(worst, w)
		return running >= b.o.pods, fmt.Sprintf("%d bound, %d/%d Running, oldest lease %v", bound, running, b.o.pods, w.Round(time.Second))
	})
	if err == nil {
		err = <-created
	}
	if err != nil {
		return err
	}
	b.add("time until all pods Running (status reported)", since(t0))
	b.add("pod throughput", fmt.Sprintf("%.0f pods/s", float64(b.o.pods)/time.Since(t0).Seconds()))
	b.add("oldest lease seen while pods were created", worst.Round(time.Second).String())
	b.cpuRows("during pods", u0, b.usages())
	return nil
}

// window samples lease ages every 5s for --window and reports CPU and
// memory over it; with --profile it saves the apiserver's CPU profile.
func (b *bench) window(ctx context.Context) error {
	profDone := b.profile(ctx)
	u0 := b.usages()
	var ls leaseStats
	for end := time.Now().Add(b.o.window); time.Now().Before(end); {
		if err := proc.Sleep(ctx, 5*time.Second); err != nil {
			return err
		}
		if err := b.exited(); err != nil {
			return err
		}
		ages, missing := b.v.leaseAges(time.Now(), b.o.nodes)
		ls.add(ages, missing, grace)
	}
	u1 := b.usages()
	verdict := "yes"
	if ls.staleMax > 0 {
		verdict = fmt.Sprintf("NO: up to %d stale", ls.staleMax)
	}
	b.add(fmt.Sprintf("leases fresh (< %v) over %v, %d samples", grace, b.o.window, ls.samples), verdict)
	b.add("lease age max / p99", fmt.Sprintf("%v / %v", percentile(ls.ages, 100).Round(100*time.Millisecond), percentile(ls.ages, 99).Round(100*time.Millisecond)))
	b.cpuRows("steady", u0, u1)
	b.add("apiserver RSS (peak)", fmt.Sprintf("%.0f MiB (%.0f MiB)", mib(u1[0].rss), mib(u1[0].peak)))
	b.add("hollow process RSS", fmt.Sprintf("%.0f MiB", mib(u1[1].rss)))
	b.add("hollow RSS per node, with pods", perNode(u1[1].rss, b.o.nodes))
	if err := <-profDone; err != nil {
		fmt.Fprintln(os.Stderr, "hollow-bench: profile:", err)
	}
	return nil
}

// usages reads every process's usage (zero values for failures), in the
// order of procs.
func (b *bench) usages() []usage {
	ps := b.procs()
	us := make([]usage, len(ps))
	for i, p := range ps {
		us[i], _ = readUsage(p.Pid())
	}
	return us
}

func (b *bench) cpuRows(phase string, u0, u1 []usage) {
	for i, p := range b.procs() {
		name := map[string]string{"kubelet": "hollow process"}[p.Name]
		if name == "" {
			name = p.Name
		}
		b.add(fmt.Sprintf("%s CPU, %s", name, phase), fmt.Sprintf("%.0f%% of a core", cpuPercent(u0[i], u1[i])))
	}
}

// profile saves a CPU profile of the apiserver over the window into
// --profile, if set.
func (b *bench) profile(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	if b.o.profileDir == "" {
		done <- nil
		return done
	}
	go func() {
		secs := int(b.o.window / time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.url, secs), nil)
		if err != nil {
			done <- err
			return
		}
		done <- savePprof(req, filepath.Join(b.o.profileDir, "apiserver-steady.pprof"))
	}()
	return done
}

func savePprof(req *http.Request, path string) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", req.URL, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// wait polls done every 5s, printing its progress to stderr, until it
// reports true, a process exits or ctx ends.
func (b *bench) wait(ctx context.Context, what string, done func() (bool, string)) error {
	t0 := time.Now()
	last := ""
	for {
		ok, msg := done()
		if ok {
			return nil
		}
		if msg != last {
			fmt.Fprintf(os.Stderr, "%6s %s\n", since(t0), msg)
			last = msg
		}
		if err := b.exited(); err != nil {
			return err
		}
		if err := proc.Sleep(ctx, 5*time.Second); err != nil {
			return fmt.Errorf("waiting for %s: %w (last: %s)", what, err, last)
		}
	}
}

func (b *bench) exited() error {
	var errs []error
	for _, p := range b.procs() {
		errs = append(errs, p.Exited())
	}
	return errors.Join(errs...)
}

func (b *bench) add(name, value string) { b.rows = append(b.rows, row{name, value}) }

func (b *bench) placement() string {
	if b.sched != nil {
		return "placed by wharf-scheduler"
	}
	return "bound round-robin by spec.nodeName"
}

func since(t time.Time) string { return time.Since(t).Round(time.Second).String() }

func perNode(rss int64, nodes int) string {
	return fmt.Sprintf("%.2f MiB (%.0f MiB in all)", mib(rss)/float64(nodes), mib(rss))
}
