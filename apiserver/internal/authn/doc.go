// Package authn tells who sent a request. Each Authenticator looks at one
// kind of credential; Union tries them in order:
//
//	x509 client cert (CN = user, O = groups)
//	  → bearer token from the static token file (upstream CSV)
//	  → bearer ServiceAccount JWT (ES256, signed with the cert dir's sa.key)
//	  → anonymous (only when enabled)
//
// A credential that is present but bad (wrong CA, expired, bad signature)
// is an error: the request gets 401 even if a later authenticator could
// have accepted it, as upstream does for invalid tokens.
package authn
