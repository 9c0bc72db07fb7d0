package resources

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Fetcher reads the discovery documents from the server.
type Fetcher func(ctx context.Context) ([]*metav1.APIResourceList, error)

// Cache keeps discovery documents on disk, one file per server.
type Cache struct {
	Dir string        // e.g. ~/.wharf/cache/discovery; empty disables caching
	TTL time.Duration // how long a cached document is trusted
	Now func() time.Time
}

type cached struct {
	Fetched time.Time                 `json:"fetched"`
	Lists   []*metav1.APIResourceList `json:"lists"`
}

// Load returns the resources of server, from the cache when it is fresh
// and refresh is false, else from fetch (writing the cache).
func (c *Cache) Load(ctx context.Context, server string, fetch Fetcher, refresh bool) (*Set, error) {
	path := c.path(server)
	if !refresh && path != "" {
		if lists, ok := c.read(path); ok {
			return NewSet(lists)
		}
	}
	lists, err := fetch(ctx)
	if err != nil {
		return nil, fmt.Errorf("discovering the server's resources: %w", err)
	}
	if path != "" {
		c.write(path, lists) // a cache that cannot be written only costs speed
	}
	return NewSet(lists)
}

func (c *Cache) path(server string) string {
	if c.Dir == "" {
		return ""
	}
	r := strings.NewReplacer(":", "_", "/", "_")
	return filepath.Join(c.Dir, r.Replace(server), "resources.json")
}

func (c *Cache) read(path string) ([]*metav1.APIResourceList, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var doc cached
	if json.Unmarshal(b, &doc) != nil || c.Now().Sub(doc.Fetched) > c.TTL {
		return nil, false
	}
	return doc.Lists, true
}

func (c *Cache) write(path string, lists []*metav1.APIResourceList) {
	b, err := json.Marshal(cached{Fetched: c.Now(), Lists: lists})
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(path), 0o700) != nil {
		return
	}
	tmp := path + ".tmp"
	if os.WriteFile(tmp, b, 0o600) == nil {
		_ = os.Rename(tmp, path)
	}
}
