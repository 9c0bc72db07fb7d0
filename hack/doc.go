// Package hack is the root of the hack module: developer and CI tooling for
// Wharf. Its sub-packages are
//
//	compat/        client-go compatibility tests (test-only)
//	kubectl/       upstream kubectl compatibility tests (test-only)
//	cluster/       multi-node test harness (network namespaces)
//	e2e/           end-to-end tests on the harness
//	bench/         benchmarks; bench/run.sh runs them all into one table
//	systemd/       unit files, checked with systemd-analyze
//	tools/kubectl/ main package building upstream kubectl from source
//	internal/gobuild/ builds repository binaries for tests
//
// and test.sh, the one test command. The package itself holds only tests:
// deps_test.go keeps upstream client libraries out of production code,
// modules_test.go checks that every module builds on its own.
package hack
