package kubeconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// Config is a kubeconfig file (clientcmd v1 "Config").
type Config struct {
	Kind           string           `json:"kind,omitempty"`
	APIVersion     string           `json:"apiVersion,omitempty"`
	Preferences    Preferences      `json:"preferences"`
	Clusters       []NamedCluster   `json:"clusters"`
	AuthInfos      []NamedAuthInfo  `json:"users"`
	Contexts       []NamedContext   `json:"contexts"`
	CurrentContext string           `json:"current-context"`
	Extensions     []NamedExtension `json:"extensions,omitempty"`

	// path is the file the config was loaded from or last saved to; it
	// anchors relative file references.
	path string
}

// Preferences are kubectl's (unused) preferences, kept for round trips.
type Preferences struct {
	Colors     bool             `json:"colors,omitempty"`
	Extensions []NamedExtension `json:"extensions,omitempty"`
}

// Cluster says how to reach an apiserver.
type Cluster struct {
	Server                   string           `json:"server"`
	TLSServerName            string           `json:"tls-server-name,omitempty"`
	InsecureSkipTLSVerify    bool             `json:"insecure-skip-tls-verify,omitempty"`
	CertificateAuthority     string           `json:"certificate-authority,omitempty"`
	CertificateAuthorityData []byte           `json:"certificate-authority-data,omitempty"`
	ProxyURL                 string           `json:"proxy-url,omitempty"`
	DisableCompression       bool             `json:"disable-compression,omitempty"`
	Extensions               []NamedExtension `json:"extensions,omitempty"`
}

// AuthInfo holds a user's credentials.
type AuthInfo struct {
	ClientCertificate     string   `json:"client-certificate,omitempty"`
	ClientCertificateData []byte   `json:"client-certificate-data,omitempty"`
	ClientKey             string   `json:"client-key,omitempty"`
	ClientKeyData         []byte   `json:"client-key-data,omitempty"`
	Token                 string   `json:"token,omitempty"`
	TokenFile             string   `json:"tokenFile,omitempty"`
	Impersonate           string   `json:"as,omitempty"`
	ImpersonateGroups     []string `json:"as-groups,omitempty"`
	Username              string   `json:"username,omitempty"`
	Password              string   `json:"password,omitempty"`
	// AuthProvider and Exec are credential plugins; Wharf keeps but does
	// not run them.
	AuthProvider json.RawMessage  `json:"auth-provider,omitempty"`
	Exec         json.RawMessage  `json:"exec,omitempty"`
	Extensions   []NamedExtension `json:"extensions,omitempty"`
}

// Context ties a cluster, a user and a default namespace together.
type Context struct {
	Cluster    string           `json:"cluster"`
	AuthInfo   string           `json:"user"`
	Namespace  string           `json:"namespace,omitempty"`
	Extensions []NamedExtension `json:"extensions,omitempty"`
}

// NamedCluster is a cluster with its name.
type NamedCluster struct {
	Name    string  `json:"name"`
	Cluster Cluster `json:"cluster"`
}

// NamedAuthInfo is a user with its name.
type NamedAuthInfo struct {
	Name     string   `json:"name"`
	AuthInfo AuthInfo `json:"user"`
}

// NamedContext is a context with its name.
type NamedContext struct {
	Name    string  `json:"name"`
	Context Context `json:"context"`
}

// NamedExtension is an opaque extension, kept verbatim.
type NamedExtension struct {
	Name      string          `json:"name"`
	Extension json.RawMessage `json:"extension"`
}

// New returns an empty config that Save will write to path.
func New(path string) *Config {
	return &Config{Kind: "Config", APIVersion: "v1", path: path}
}

// Path is the file the config was loaded from or last saved to.
func (c *Config) Path() string { return c.path }

// Load reads the kubeconfig at path. An empty file is an empty config.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return Parse(data, path)
}

// Parse decodes kubeconfig YAML (or JSON); path anchors relative file
// references and may be empty.
func Parse(data []byte, path string) (*Config, error) {
	c := New(path)
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if c.Kind != "" && c.Kind != "Config" {
		return nil, fmt.Errorf("kubeconfig %s: kind is %q, want Config", path, c.Kind)
	}
	return c, nil
}

// LoadDefault finds and loads the kubeconfig to use and returns the path
// it used. The order is: explicitPath (which must exist), the first
// existing file in $KUBECONFIG (a list separated like $PATH),
// ~/.wharf/config, ~/.kube/config. When none of the fallbacks exists it
// returns an empty config and the path Save should create ($KUBECONFIG's
// first entry or ~/.wharf/config), without error.
func LoadDefault(explicitPath string) (*Config, string, error) {
	if explicitPath != "" {
		c, err := Load(explicitPath)
		return c, explicitPath, err
	}
	var candidates []string
	for _, p := range filepath.SplitList(os.Getenv("KUBECONFIG")) {
		if p != "" {
			candidates = append(candidates, p)
		}
	}
	if len(candidates) == 0 {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, "", fmt.Errorf("kubeconfig: no $KUBECONFIG and no home directory: %w", err)
		}
		candidates = []string{filepath.Join(home, ".wharf", "config"), filepath.Join(home, ".kube", "config")}
	}
	for _, p := range candidates {
		c, err := Load(p)
		if err == nil {
			return c, p, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, p, err
		}
	}
	return New(candidates[0]), candidates[0], nil
}

// Save writes the config to path atomically (temporary file + rename) with
// mode 0600, creating the directory (0700) if needed.
func (c *Config) Save(path string) error {
	if path == "" {
		return errors.New("kubeconfig: save: empty path")
	}
	data, err := c.Marshal()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("kubeconfig: save: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("kubeconfig: save: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := writeSync(tmp, data); err != nil {
		return fmt.Errorf("kubeconfig: save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("kubeconfig: save: %w", err)
	}
	c.path = path
	return nil
}

func writeSync(f *os.File, data []byte) error {
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Marshal renders the config as kubeconfig YAML.
func (c *Config) Marshal() ([]byte, error) {
	out := *c
	if out.Kind == "" {
		out.Kind = "Config"
	}
	if out.APIVersion == "" {
		out.APIVersion = "v1"
	}
	if out.Clusters == nil {
		out.Clusters = []NamedCluster{}
	}
	if out.AuthInfos == nil {
		out.AuthInfos = []NamedAuthInfo{}
	}
	if out.Contexts == nil {
		out.Contexts = []NamedContext{}
	}
	data, err := yaml.Marshal(&out)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: encoding: %w", err)
	}
	return data, nil
}

// resolve makes a file reference relative to the kubeconfig's directory.
func (c *Config) resolve(p string) string {
	if strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[2:])
		}
	}
	if p == "" || filepath.IsAbs(p) || c.path == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.path), p)
}
