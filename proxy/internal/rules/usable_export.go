package rules

// Usable returns the endpoints of eps traffic may go to, as the iptables
// rules choose them: the ready ones (only those with Local set when
// localOnly), or, if none is ready, the serving terminating ones. Other
// backends (proxy/internal/nftables) call it so that both select alike.
func Usable(eps []Endpoint, localOnly bool) []Endpoint { return usable(eps, localOnly) }
