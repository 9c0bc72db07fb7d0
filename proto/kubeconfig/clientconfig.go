package kubeconfig

import (
	"fmt"
	"os"
	"strings"

	"github.com/wharfhq/wharf/proto/client"
)

// DefaultNamespace is the namespace of a context that names none.
const DefaultNamespace = "default"

// ClientConfig resolves contextName ("" = current-context) into a client
// configuration and the context's namespace ("default" if unset). Files
// the entries reference are read now.
func (c *Config) ClientConfig(contextName string) (*client.Config, string, error) {
	name := contextName
	if name == "" {
		name = c.CurrentContext
	}
	if name == "" {
		return nil, "", fmt.Errorf("no context chosen: current-context is not set in kubeconfig %s%s", c.path, c.missingNote())
	}
	ctx, ok := c.Context(name)
	if !ok {
		return nil, "", fmt.Errorf("context %q not found in kubeconfig %s%s", name, c.path, c.missingNote())
	}
	cl, ok := c.Cluster(ctx.Cluster)
	if !ok {
		return nil, "", fmt.Errorf("cluster %q of context %q not found in kubeconfig %s", ctx.Cluster, name, c.path)
	}
	if cl.Server == "" {
		return nil, "", fmt.Errorf("cluster %q in kubeconfig %s has no server", ctx.Cluster, c.path)
	}
	cfg := &client.Config{Host: cl.Server, Insecure: cl.InsecureSkipTLSVerify, ServerName: cl.TLSServerName}
	var err error
	if cfg.CAData, err = c.dataOrFile(cl.CertificateAuthorityData, cl.CertificateAuthority, "certificate-authority", "cluster", ctx.Cluster); err != nil {
		return nil, "", err
	}
	if ctx.AuthInfo != "" {
		u, ok := c.User(ctx.AuthInfo)
		if !ok {
			return nil, "", fmt.Errorf("user %q of context %q not found in kubeconfig %s", ctx.AuthInfo, name, c.path)
		}
		if err := c.applyUser(cfg, ctx.AuthInfo, u); err != nil {
			return nil, "", err
		}
	}
	ns := ctx.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return cfg, ns, nil
}

// applyUser copies a user's credentials into cfg.
func (c *Config) applyUser(cfg *client.Config, name string, u *AuthInfo) error {
	var err error
	if cfg.CertData, err = c.dataOrFile(u.ClientCertificateData, u.ClientCertificate, "client-certificate", "user", name); err != nil {
		return err
	}
	if cfg.KeyData, err = c.dataOrFile(u.ClientKeyData, u.ClientKey, "client-key", "user", name); err != nil {
		return err
	}
	if (len(cfg.CertData) > 0) != (len(cfg.KeyData) > 0) {
		return fmt.Errorf("user %q in kubeconfig %s: client-certificate and client-key must be given together", name, c.path)
	}
	cfg.BearerToken = u.Token
	if cfg.BearerToken == "" && u.TokenFile != "" {
		b, err := os.ReadFile(c.resolve(u.TokenFile))
		if err != nil {
			return fmt.Errorf("user %q in kubeconfig %s: tokenFile: %w", name, c.path, err)
		}
		cfg.BearerToken = strings.TrimSpace(string(b))
	}
	hasCreds := len(cfg.CertData) > 0 || cfg.BearerToken != ""
	switch {
	case hasCreds:
	case len(u.Exec) > 0:
		return fmt.Errorf("user %q in kubeconfig %s: exec credential plugins are not supported", name, c.path)
	case len(u.AuthProvider) > 0:
		return fmt.Errorf("user %q in kubeconfig %s: auth-provider plugins are not supported", name, c.path)
	case u.Username != "":
		return fmt.Errorf("user %q in kubeconfig %s: basic authentication is not supported", name, c.path)
	}
	return nil
}

// dataOrFile returns inline data, else the content of the referenced file.
func (c *Config) dataOrFile(data []byte, file, field, kind, name string) ([]byte, error) {
	if len(data) > 0 || file == "" {
		return data, nil
	}
	b, err := os.ReadFile(c.resolve(file))
	if err != nil {
		return nil, fmt.Errorf("%s %q in kubeconfig %s: %s: %w", kind, name, c.path, field, err)
	}
	return b, nil
}

// missingNote explains an empty config that came from a missing file.
func (c *Config) missingNote() string {
	if c.path == "" {
		return ""
	}
	if _, err := os.Stat(c.path); os.IsNotExist(err) {
		return " (file does not exist)"
	}
	return ""
}
