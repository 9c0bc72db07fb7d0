package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// dialTimeout bounds connection setup and the first health check.
const dialTimeout = 10 * time.Second

// Dial connects to the etcd cluster at endpoints and checks that it
// answers (a read of the cluster's revision) before returning.
// The caller closes the client.
func Dial(ctx context.Context, endpoints []string) (*clientv3.Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("etcd: dial: no endpoints")
	}
	c, err := clientv3.New(clientv3.Config{
		Endpoints:          endpoints,
		DialTimeout:        dialTimeout,
		DialKeepAliveTime:  30 * time.Second,
		MaxCallRecvMsgSize: 256 << 20,
		Logger:             zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("etcd: dial %v: %w", endpoints, err)
	}
	cctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	if _, err := c.Get(cctx, "health", clientv3.WithCountOnly()); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("etcd: dial %v: health check: %w", endpoints, err)
	}
	return c, nil
}
