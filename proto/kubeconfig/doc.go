// Package kubeconfig reads and writes kubeconfig files in upstream's
// clientcmd v1 format, so a file written by kubectl works with Wharf and a
// file written by Wharf works with kubectl.
//
//	Config ── clusters[]  name → server, CA, tls-server-name
//	       ── users[]     name → client cert/key, token, tokenFile
//	       ── contexts[]  name → cluster + user + namespace
//	       ── current-context
//
// ClientConfig resolves one context into a *client.Config plus the
// context's namespace. File references (certificate-authority,
// client-certificate, client-key, tokenFile) are read at that point, with
// relative paths taken relative to the kubeconfig file's directory.
// Fields Wharf does not use (exec and auth-provider plugins, extensions)
// are kept verbatim so that Load followed by Save loses nothing important.
package kubeconfig
