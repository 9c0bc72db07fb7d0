package cluster

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// netnsPath is where `ip netns add` bind-mounts a named namespace.
func netnsPath(name string) string { return "/run/netns/" + name }

// ipCmd runs the ip tool (args as for `ip`), returning its output in errors.
func ipCmd(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("cluster: ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// inNetns runs fn on a thread switched into the named network namespace;
// sockets created by fn stay in that namespace. If switching back fails the
// thread is left locked, so the Go runtime discards it.
func inNetns(name string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("cluster: %w", err)
			return
		}
		defer orig.Close()
		target, err := os.Open(netnsPath(name))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("cluster: netns %s: %w", name, err)
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("cluster: setns %s: %w", name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("cluster: restore netns: %w", err) // thread stays locked and dies
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// forwarder accepts connections on a listener (inside a node namespace)
// and pipes each to the first of targets (host 127.0.0.1 addresses) that
// accepts a connection: a node-local load balancer with failover.
type forwarder struct {
	ln      net.Listener
	targets []string
	wg      sync.WaitGroup
	conns   connSet
}

// newForwarder listens on addr (inside netns ns, or in the test process's
// own namespace if ns is "") and forwards to targets.
func newForwarder(ns, addr string, targets []string) (*forwarder, error) {
	f := &forwarder{targets: targets, conns: newConnSet()}
	listen := func() error {
		ln, err := net.Listen("tcp", addr)
		f.ln = ln
		return err
	}
	var err error
	if ns == "" {
		err = listen()
	} else {
		err = inNetns(ns, listen)
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: forwarder on %s %s: %w", ns, addr, err)
	}
	f.wg.Add(1)
	go f.serve()
	return f, nil
}

// addr is the listening address.
func (f *forwarder) addr() string { return f.ln.Addr().String() }

func (f *forwarder) serve() {
	defer f.wg.Done()
	next := 0
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		var up net.Conn
		for i := range f.targets {
			t := f.targets[(next+i)%len(f.targets)]
			if up, err = net.Dial("tcp", t); err == nil {
				next = (next + i + 1) % len(f.targets)
				break
			}
		}
		if up == nil {
			c.Close()
			continue
		}
		f.conns.pipeBoth(c, up)
	}
}

// close stops accepting and cuts every forwarded connection.
func (f *forwarder) close() {
	f.ln.Close()
	f.conns.closeAll()
	f.wg.Wait()
}

// connSet pipes pairs of connections into each other and can cut them all.
type connSet struct {
	wg    *sync.WaitGroup
	mu    *sync.Mutex
	conns map[net.Conn]struct{}
}

func newConnSet() connSet {
	return connSet{wg: &sync.WaitGroup{}, mu: &sync.Mutex{}, conns: map[net.Conn]struct{}{}}
}

// pipeBoth copies a to b and b to a until either side ends.
func (s connSet) pipeBoth(a, b net.Conn) {
	s.mu.Lock()
	s.conns[a], s.conns[b] = struct{}{}, struct{}{}
	s.mu.Unlock()
	s.wg.Add(2)
	go s.pipe(a, b)
	go s.pipe(b, a)
}

func (s connSet) pipe(dst, src net.Conn) {
	defer s.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	s.mu.Lock()
	delete(s.conns, dst)
	delete(s.conns, src)
	s.mu.Unlock()
}

// closeAll cuts every piped connection and waits for the pipes to end.
func (s connSet) closeAll() {
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}
