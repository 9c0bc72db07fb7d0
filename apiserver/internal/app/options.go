package app

import (
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"time"
)

// Options configure an apiserver. Zero fields other than Port take the
// documented defaults.
type Options struct {
	// BindAddress is the IP to listen on; 127.0.0.1 if empty.
	BindAddress string
	// Port is the plain-HTTP port; 0 picks a free port (Running.Addr
	// tells which). The command line defaults it to DefaultPort.
	Port int
	// DataDir holds the embedded etcd (DataDir/etcd); /var/lib/wharf/apiserver if empty.
	DataDir string
	// EtcdServers are client URLs of an external etcd; empty runs an
	// embedded etcd in DataDir/etcd.
	EtcdServers []string
	// WatchCacheCapacity is the number of events each watch cache keeps
	// (the watchcache default if zero).
	WatchCacheCapacity int
	// CompactionInterval is how often etcd history is compacted; 5m if zero.
	CompactionInterval time.Duration
	// MaxRequestBodyBytes caps request bodies (the server default if zero).
	MaxRequestBodyBytes int64
	// Logger receives logs; slog.Default() if nil.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultBindAddress        = "127.0.0.1"
	DefaultPort               = 8080
	DefaultDataDir            = "/var/lib/wharf/apiserver"
	DefaultCompactionInterval = 5 * time.Minute
)

// withDefaults returns o with defaults filled in, or an error for values
// that cannot work.
func (o Options) withDefaults() (Options, error) {
	if o.BindAddress == "" {
		o.BindAddress = DefaultBindAddress
	}
	if net.ParseIP(o.BindAddress) == nil {
		return o, errors.New("app: BindAddress must be an IP address")
	}
	if o.Port < 0 || o.Port > 65535 {
		return o, errors.New("app: Port must be in 0..65535")
	}
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	if o.CompactionInterval == 0 {
		o.CompactionInterval = DefaultCompactionInterval
	}
	if o.CompactionInterval < 0 || o.WatchCacheCapacity < 0 || o.MaxRequestBodyBytes < 0 {
		return o, errors.New("app: CompactionInterval, WatchCacheCapacity and MaxRequestBodyBytes must not be negative")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

func (o Options) etcdDir() string { return filepath.Join(o.DataDir, "etcd") }
