package kubeconfig

import (
	"fmt"

	"github.com/wharfhq/wharf/proto/client"
)

// Cluster returns the named cluster; the pointer edits the config.
func (c *Config) Cluster(name string) (*Cluster, bool) {
	for i := range c.Clusters {
		if c.Clusters[i].Name == name {
			return &c.Clusters[i].Cluster, true
		}
	}
	return nil, false
}

// User returns the named user; the pointer edits the config.
func (c *Config) User(name string) (*AuthInfo, bool) {
	for i := range c.AuthInfos {
		if c.AuthInfos[i].Name == name {
			return &c.AuthInfos[i].AuthInfo, true
		}
	}
	return nil, false
}

// Context returns the named context; the pointer edits the config.
func (c *Config) Context(name string) (*Context, bool) {
	for i := range c.Contexts {
		if c.Contexts[i].Name == name {
			return &c.Contexts[i].Context, true
		}
	}
	return nil, false
}

// SetCluster adds the cluster or replaces the one with the same name.
func (c *Config) SetCluster(name string, cl Cluster) {
	if p, ok := c.Cluster(name); ok {
		*p = cl
		return
	}
	c.Clusters = append(c.Clusters, NamedCluster{Name: name, Cluster: cl})
}

// SetUser adds the user or replaces the one with the same name.
func (c *Config) SetUser(name string, u AuthInfo) {
	if p, ok := c.User(name); ok {
		*p = u
		return
	}
	c.AuthInfos = append(c.AuthInfos, NamedAuthInfo{Name: name, AuthInfo: u})
}

// SetContext adds the context or replaces the one with the same name.
func (c *Config) SetContext(name string, ctx Context) {
	if p, ok := c.Context(name); ok {
		*p = ctx
		return
	}
	c.Contexts = append(c.Contexts, NamedContext{Name: name, Context: ctx})
}

// UseContext makes name the current context; it must exist.
func (c *Config) UseContext(name string) error {
	if _, ok := c.Context(name); !ok {
		return fmt.Errorf("context %q not found in kubeconfig %s", name, c.path)
	}
	c.CurrentContext = name
	return nil
}

// DeleteContext removes the named context (and unsets current-context if
// it was current); it reports whether the context existed.
func (c *Config) DeleteContext(name string) bool {
	for i := range c.Contexts {
		if c.Contexts[i].Name == name {
			c.Contexts = append(c.Contexts[:i], c.Contexts[i+1:]...)
			if c.CurrentContext == name {
				c.CurrentContext = ""
			}
			return true
		}
	}
	return false
}

// DeleteCluster removes the named cluster; it reports whether it existed.
func (c *Config) DeleteCluster(name string) bool {
	for i := range c.Clusters {
		if c.Clusters[i].Name == name {
			c.Clusters = append(c.Clusters[:i], c.Clusters[i+1:]...)
			return true
		}
	}
	return false
}

// DeleteUser removes the named user; it reports whether it existed.
func (c *Config) DeleteUser(name string) bool {
	for i := range c.AuthInfos {
		if c.AuthInfos[i].Name == name {
			c.AuthInfos = append(c.AuthInfos[:i], c.AuthInfos[i+1:]...)
			return true
		}
	}
	return false
}

// Merge sets the cluster, user and context called name from cfg (with
// certificate data embedded) and makes it current; ns "" leaves the
// context's namespace unset. The apiserver uses it to write an admin
// kubeconfig.
func (c *Config) Merge(name string, cfg *client.Config, ns string) {
	c.SetCluster(name, Cluster{
		Server:                   cfg.Host,
		TLSServerName:            cfg.ServerName,
		InsecureSkipTLSVerify:    cfg.Insecure,
		CertificateAuthorityData: cfg.CAData,
	})
	c.SetUser(name, AuthInfo{
		ClientCertificateData: cfg.CertData,
		ClientKeyData:         cfg.KeyData,
		Token:                 cfg.BearerToken,
	})
	c.SetContext(name, Context{Cluster: name, AuthInfo: name, Namespace: ns})
	c.CurrentContext = name
}

// FromClientConfig returns a new config with one context, called name,
// built from cfg (see Merge).
func FromClientConfig(name string, cfg *client.Config, ns string) *Config {
	c := New("")
	c.Merge(name, cfg, ns)
	return c
}
