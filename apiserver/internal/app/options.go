package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/wharfhq/wharf/apiserver/internal/alloc"
	"github.com/wharfhq/wharf/apiserver/internal/etcd"
)

// Options configure an apiserver. Zero fields take the documented
// defaults.
type Options struct {
	// BindAddress is the IP the HTTPS port listens on; 127.0.0.1 if empty.
	BindAddress string
	// SecurePort is the HTTPS port; 0 picks a free port (Running.Addr
	// tells which). The command line defaults it to DefaultSecurePort.
	SecurePort int
	// DisableTLS turns the HTTPS port off (then Insecure must be set).
	DisableTLS bool
	// Insecure serves plain HTTP on 127.0.0.1:InsecurePort (0 = a free
	// port) without authentication or authorization: every request is
	// user system:unsecured in group system:masters, as upstream's
	// insecure port was.
	Insecure     bool
	InsecurePort int
	// DataDir holds the embedded etcd (DataDir/etcd); /var/lib/wharf/apiserver if empty.
	DataDir string
	// CertDir holds the generated PKI (see package pki); DataDir/pki if empty.
	CertDir string
	// TLSCertFile and TLSKeyFile are an admin-provided serving
	// certificate; generated in CertDir if empty.
	TLSCertFile, TLSKeyFile string
	// ClientCAFile is the CA that signs client certificates; CertDir's
	// generated CA if empty.
	ClientCAFile string
	// TokenAuthFile is an upstream static token file (token,user,uid,"groups").
	TokenAuthFile string
	// AnonymousAuth lets requests without credentials in as system:anonymous.
	AnonymousAuth bool
	// AuthorizationMode is "RBAC" (default) or "AlwaysAllow".
	AuthorizationMode string
	// ServiceClusterIPRange and ServiceNodePortRange are where Services
	// get their ClusterIPs and NodePorts (10.96.0.0/12 and 30000-32767).
	ServiceClusterIPRange, ServiceNodePortRange string
	// AdvertiseAddress is the IP the kubernetes Service's endpoints list
	// for this apiserver; the bind address, or 127.0.0.1, if empty.
	AdvertiseAddress string
	// AuditLogPath, if set, gets one JSON line per request (user, verb,
	// resource, code).
	AuditLogPath string
	// EtcdServers are client URLs of an external etcd; empty runs an
	// embedded etcd in DataDir/etcd.
	EtcdServers []string
	// EtcdTLS names the CA, client certificate and key for EtcdServers
	// (https endpoints); unused for the embedded etcd.
	EtcdTLS etcd.TLSFiles
	// WatchCacheCapacity is the number of events each watch cache keeps
	// (the watchcache default if zero).
	WatchCacheCapacity int
	// CompactionInterval is how often etcd history is compacted; 5m if zero.
	CompactionInterval time.Duration
	// RepairInterval is how often service IP/port allocations are
	// repaired; 3m if zero.
	RepairInterval time.Duration
	// Profiling serves net/http/pprof under /debug/pprof/ (authorized as
	// a non-resource path, so only system:masters by default).
	Profiling bool
	// MaxRequestBodyBytes caps request bodies (the server default if zero).
	MaxRequestBodyBytes int64
	// Logger receives logs; slog.Default() if nil.
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultBindAddress        = "127.0.0.1"
	DefaultSecurePort         = 6443
	DefaultDataDir            = "/var/lib/wharf/apiserver"
	DefaultCompactionInterval = 5 * time.Minute
	DefaultRepairInterval     = 3 * time.Minute
	ModeRBAC                  = "RBAC"
	ModeAlwaysAllow           = "AlwaysAllow"
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
	if o.SecurePort < 0 || o.SecurePort > 65535 || o.InsecurePort < 0 || o.InsecurePort > 65535 {
		return o, errors.New("app: SecurePort and InsecurePort must be in 0..65535")
	}
	if o.DisableTLS && !o.Insecure {
		return o, errors.New("app: with TLS disabled the insecure port must be enabled")
	}
	if o.DataDir == "" {
		o.DataDir = DefaultDataDir
	}
	if o.CertDir == "" {
		o.CertDir = filepath.Join(o.DataDir, "pki")
	}
	if (o.TLSCertFile == "") != (o.TLSKeyFile == "") {
		return o, errors.New("app: --tls-cert-file and --tls-private-key-file go together")
	}
	switch o.AuthorizationMode {
	case "":
		o.AuthorizationMode = ModeRBAC
	case ModeRBAC, ModeAlwaysAllow:
	default:
		return o, fmt.Errorf("app: unknown authorization mode %q (want %s or %s)", o.AuthorizationMode, ModeRBAC, ModeAlwaysAllow)
	}
	if o.ServiceClusterIPRange == "" {
		o.ServiceClusterIPRange = alloc.DefaultIPRange
	}
	if o.ServiceNodePortRange == "" {
		o.ServiceNodePortRange = alloc.DefaultNodePort
	}
	if o.AdvertiseAddress == "" {
		o.AdvertiseAddress = o.BindAddress
		if ip := net.ParseIP(o.BindAddress); ip.IsUnspecified() {
			o.AdvertiseAddress = "127.0.0.1"
		}
	}
	if net.ParseIP(o.AdvertiseAddress).To4() == nil {
		return o, errors.New("app: AdvertiseAddress must be an IPv4 address")
	}
	if o.CompactionInterval == 0 {
		o.CompactionInterval = DefaultCompactionInterval
	}
	if o.RepairInterval == 0 {
		o.RepairInterval = DefaultRepairInterval
	}
	if o.CompactionInterval < 0 || o.RepairInterval < 0 || o.WatchCacheCapacity < 0 || o.MaxRequestBodyBytes < 0 {
		return o, errors.New("app: intervals, WatchCacheCapacity and MaxRequestBodyBytes must not be negative")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

func (o Options) etcdDir() string { return filepath.Join(o.DataDir, "etcd") }
