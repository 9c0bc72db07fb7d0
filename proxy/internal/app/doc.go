// Package app is wharf-proxy: informers on Services, EndpointSlices and the
// proxy's own Node feed a rate-limited runner that renders the rules and
// hands them to the iptables Syncer, or with --proxy-mode=nftables
// generates table ip wharf-proxy and hands it to the nftables Syncer (Run
// wires both alike; only the sync differs).
//
//	informers ──handlers: poke()──► runner ──(≥ MinSyncPeriod apart)──► proxier.sync
//	                                   │ every SyncPeriod: partial sync;    │
//	                                   │ every FullSyncPeriod: full resync  │
//	                                   └─ retry after a failed sync ◄───────┘
//	proxier.sync:    listers ─► rules.SnapshotFrom ─► rules.Compute ─► iptables.Syncer.Sync
//	nftProxier.sync: listers ─► rules.SnapshotFrom ─► plan.Generator ─► nftables.Syncer.Sync
//
// Memory at 10k services: the informers list in pages and cache trimmed
// objects (package trim); a Renderer keeps only digests of the per-service
// chains and renders their text again, port by port, as the restore input
// streams (package rules). The nftables mode keeps per service port only
// what it generates from and generates a port's objects again when a
// transaction writes or deletes it (package nftables/plan).
//
// /healthz reports the freshness of the last successful sync; /metrics has
// the sync duration histogram and the rule counts.
package app
