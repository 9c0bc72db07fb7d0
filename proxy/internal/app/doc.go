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
// Memory at 10k services: the informers list in pages and cache trimmed
// objects (package trim); a Renderer keeps only digests of the per-service
// chains and renders their text again, port by port, as the restore input
// streams (package rules).
//
// /healthz reports the freshness of the last successful sync; /metrics has
// the sync duration histogram and the rule counts.
package app
