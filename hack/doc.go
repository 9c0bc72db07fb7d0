// Package hack is the root of the hack module: developer and CI tooling for
// Wharf. Its sub-packages are
//
//	compat/        client-go compatibility tests (test-only)
//	kubectl/       upstream kubectl compatibility tests (test-only)
//	bench/         benchmark library, Go benchmarks, cmd/apiserver-bench
//	tools/kubectl/ main package building upstream kubectl from source
//	internal/gobuild/ builds repository binaries for tests
//
// and test.sh, the one test command. The package itself holds only
// deps_test.go, which keeps upstream client libraries out of production
// code.
package hack
