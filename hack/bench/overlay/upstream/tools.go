//go:build tools

// Package tools pins upstream flannel so `go mod tidy` keeps it.
package tools

import _ "github.com/flannel-io/flannel"
