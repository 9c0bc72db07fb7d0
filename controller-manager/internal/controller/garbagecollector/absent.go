package garbagecollector

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// absentCache remembers owner UIDs verified absent, so the dependents of
// one deleted owner cost one live read, not one each. UIDs are never
// reused, so entries never go stale; the set is cleared when it grows
// past its limit.
type absentCache struct {
	mu    sync.Mutex
	uids  map[types.UID]struct{}
	limit int
}

func newAbsentCache(limit int) *absentCache {
	return &absentCache{uids: map[types.UID]struct{}{}, limit: limit}
}

func (a *absentCache) has(uid types.UID) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.uids[uid]
	return ok
}

func (a *absentCache) add(uid types.UID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.uids) >= a.limit {
		clear(a.uids)
	}
	a.uids[uid] = struct{}{}
}
