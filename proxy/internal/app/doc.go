// Package app is wharf-proxy: informers on Services, EndpointSlices and the
// proxy's own Node feed a rate-limited runner that renders the rules and
// hands them to the iptables Syncer.
//
//	informers ──handlers: poke()──► runner ──(≥ MinSyncPeriod apart)──► proxier.sync
//	                                   │ every SyncPeriod: partial sync;    │
//	                                   │ every FullSyncPeriod: full resync  │
//	                                   └─ retry after a failed sync ◄───────┘
//	proxier.sync: listers ─► rules.SnapshotFrom ─► rules.Compute ─► iptables.Syncer.Sync
//
// The informers cache trimmed objects (package trim), and a synced
// ruleset keeps only digests of the per-service chains (rules.Compact):
// full resyncs render them again.
//
// /healthz reports the freshness of the last successful sync; /metrics has
// the sync duration histogram and the rule counts.
package app
