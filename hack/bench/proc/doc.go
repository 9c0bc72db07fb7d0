// Package proc runs the child processes of the benchmark programs (one log
// file each, stopped with SIGTERM and then SIGKILL after a grace period)
// and reads their CPU time and memory from /proc/<pid>/stat and
// /proc/<pid>/status. It also holds the small helpers every benchmark
// needs around them: a free loopback port, waiting until an HTTP endpoint
// answers 200, and a sleep that ends with its context.
package proc
