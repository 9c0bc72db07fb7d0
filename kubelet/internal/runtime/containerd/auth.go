package containerd

import (
	"context"

	"github.com/containerd/containerd/remotes"
	"github.com/containerd/containerd/remotes/docker"

	"github.com/wharfhq/wharf/kubelet/internal/runtime"
)

// newResolver resolves and fetches images over HTTPS (plain HTTP for the
// insecure registries), authenticating with creds where a host matches.
func (c *Containerd) newResolver(creds []runtime.Credential) remotes.Resolver {
	opts := []docker.RegistryOpt{
		docker.WithPlainHTTP(func(host string) (bool, error) { return c.insecure[host], nil }),
	}
	if len(creds) > 0 {
		byHost := map[string]runtime.Credential{}
		for _, cr := range creds {
			byHost[cr.Host] = cr
		}
		opts = append(opts, docker.WithAuthorizer(docker.NewDockerAuthorizer(
			docker.WithAuthCreds(func(host string) (string, string, error) {
				cr, ok := byHost[host]
				if !ok && host == "registry-1.docker.io" {
					cr = byHost["docker.io"]
				}
				return cr.Username, cr.Password, nil
			}),
		)))
	}
	return docker.NewResolver(docker.ResolverOptions{Hosts: docker.ConfigureDefaultRegistries(opts...)})
}

// resolverFor is the shared anonymous resolver, or one with the pull
// credentials ctx carries (runtime.WithCredentials).
func (c *Containerd) resolverFor(ctx context.Context) remotes.Resolver {
	if creds := runtime.CredentialsFrom(ctx); len(creds) > 0 {
		return c.newResolver(creds)
	}
	return c.resolver
}
