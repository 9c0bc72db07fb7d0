// Package logserver is the kubelet's HTTPS server (port 10250): it serves
// container logs to the apiserver's pods/log proxy and a few read-only
// endpoints.
//
//	GET /healthz                                     "ok" (no client certificate needed)
//	GET /pods                                        PodList of this node's pods
//	GET /containerLogs/<ns>/<pod>/<container>?follow&tailLines&previous&timestamps&sinceSeconds&sinceTime&limitBytes&stream
//
// Callers other than /healthz must present a client certificate signed
// by the client CA (the apiserver's kubelet-client certificate). The
// serving certificate is self-signed at start, as upstream's kubelet does
// without --tls-cert-file. Log files are read in CRI format
// ("<RFC3339Nano> <stream> <P|F> <text>"); lines that are not are passed
// through as they are. An attempt's log is its rotated files
// (<n>.log.<time>, package crilog) then <n>.log: tailLines and sinceTime
// span them all (tailLines seeks backwards, reading no more than needed),
// and follow moves on to the next file when the followed one is rotated
// away. stream (All, Stdout, Stderr) selects one stream.
package logserver
