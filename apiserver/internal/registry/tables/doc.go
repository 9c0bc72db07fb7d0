// Package tables renders API objects as the rows of a server-side
// metav1.Table, with the columns and cell formatting of upstream's
// pkg/printers/internalversion, so `kubectl get` against Wharf prints
// exactly what it prints against a kube-apiserver.
//
// Every Printer returns all columns, the -o wide ones (Priority 1)
// included, as upstream's server-side printing does; clients hide the
// wide ones. Time-dependent cells (AGE, "3 (5m ago)") are computed from
// the now passed in, never from the wall clock.
//
//	For("pods") → Printer{Columns: NAME READY STATUS RESTARTS AGE [IP NODE ...],
//	                      Row: func(obj, now) []any}
package tables
