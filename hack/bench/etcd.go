package bench

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Etcd is an embedded single-member etcd listening on 127.0.0.1.
type Etcd struct {
	e        *embed.Etcd
	Endpoint string
}

// StartEtcd starts an embedded etcd with its data in dir.
func StartEtcd(ctx context.Context, dir string) (*Etcd, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.Name = "bench"
	client := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])}
	peer := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[1])}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: start etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("bench: etcd failed: %w", err)
	case <-ctx.Done():
		e.Close()
		return nil, ctx.Err()
	}
	return &Etcd{e: e, Endpoint: client.String()}, nil
}

// Close stops etcd.
func (e *Etcd) Close() { e.e.Close() }

// freePorts asks the kernel for n free TCP ports on 127.0.0.1.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("bench: free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Throughput is the outcome of a fixed number of operations.
type Throughput struct {
	Ops     int
	Errors  int
	Elapsed time.Duration
}

// PerSecond is successful operations per second.
func (t Throughput) PerSecond() float64 {
	if t.Elapsed <= 0 {
		return 0
	}
	return float64(t.Ops-t.Errors) / t.Elapsed.Seconds()
}

// EtcdTxnCreates writes n keys with valueSize-byte values from clients
// concurrent workers, each write a Txn that creates the key only if absent
// (the apiserver's create). Keys are unique per call via prefix.
func EtcdTxnCreates(ctx context.Context, endpoint, prefix string, clients, n, valueSize int) (Throughput, error) {
	conns := max(1, min(clients/8, 8))
	cs := make([]*clientv3.Client, conns)
	for i := range cs {
		c, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			return Throughput{}, fmt.Errorf("bench: etcd client: %w", err)
		}
		defer c.Close()
		cs[i] = c
	}
	value := strings.Repeat("x", valueSize)
	var next, errs atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		c := cs[w%conns]
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n) && ctx.Err() == nil; i = next.Add(1) - 1 {
				key := fmt.Sprintf("%s/%08d", prefix, i)
				resp, err := c.Txn(ctx).
					If(clientv3.Compare(clientv3.ModRevision(key), "=", 0)).
					Then(clientv3.OpPut(key, value)).Commit()
				if err == nil && !resp.Succeeded {
					err = fmt.Errorf("key %s exists", key)
				}
				if err != nil {
					errs.Add(1)
					once.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	t := Throughput{Ops: n, Errors: int(errs.Load()), Elapsed: time.Since(start)}
	if err := ctx.Err(); err != nil {
		return t, err
	}
	if firstErr != nil && t.Errors == n {
		return t, fmt.Errorf("bench: every txn failed: %w", firstErr)
	}
	return t, nil
}
