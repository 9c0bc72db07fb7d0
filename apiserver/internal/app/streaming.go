package app

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/authn"
	"github.com/wharfhq/wharf/apiserver/internal/authz"
)

// streamingSubresources are the pods' connect subresources proxied to the
// kubelet with their protocol upgrade (websocket or SPDY).
var streamingSubresources = []string{"exec", "attach", "portforward"}

// registerStreaming mounts pods/exec, pods/attach and pods/portforward
// for GET (websockets) and POST (SPDY).
func (r *Running) registerStreaming(mux chi.Router) {
	rt := newStreamTransport(r.sec)
	for _, sub := range streamingSubresources {
		h := r.serveStreaming(sub, rt)
		mux.Get("/api/v1/namespaces/{ns}/pods/{name}/"+sub, h)
		mux.Post("/api/v1/namespaces/{ns}/pods/{name}/"+sub, h)
	}
}

// newStreamTransport reaches kubelets over HTTP/1.1 only: an upgrade
// cannot ride an HTTP/2 connection.
func newStreamTransport(s *security) http.RoundTripper {
	t := newKubeletTransport(s).(*http.Transport).Clone()
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	t.TLSClientConfig = t.TLSClientConfig.Clone()
	t.TLSClientConfig.NextProtos = []string{"http/1.1"}
	return t
}

// serveStreaming proxies one connect subresource to the kubelet of the
// pod's node, translating the options into the kubelet's parameters.
func (r *Running) serveStreaming(sub string, rt http.RoundTripper) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		if !r.authorizedToCreate(w, req) {
			return
		}
		ns, name := chi.URLParam(req, "ns"), chi.URLParam(req, "name")
		var path string
		var query url.Values
		_, u, ok := r.podKubelet(w, ns, name, func(pod *corev1.Pod) (err error) {
			path, query, err = kubeletStreamTarget(sub, pod, req.URL.Query())
			return err
		})
		if !ok {
			return
		}
		r.proxyUpgrade(w, req, rt, u, path, query)
	}
}

// authorizedToCreate checks, for a GET (a websocket upgrade), that the
// user may also create the subresource, as upstream does since v1.35
// (AuthorizePodWebsocketUpgradeCreatePermission): the filter already
// authorized "get". It answers 403 and returns false otherwise.
func (r *Running) authorizedToCreate(w http.ResponseWriter, req *http.Request) bool {
	if req.Method != http.MethodGet || r.sec == nil {
		return true
	}
	u, ok := authn.UserFrom(req.Context())
	if !ok {
		return true // the insecure port's unsecured user
	}
	a := authz.Resolve(req)
	a.User, a.Verb = u, "create"
	if d, why := r.sec.authz.Authorize(req.Context(), a); d != authz.Allow {
		writeForbidden(w, a, why)
		return false
	}
	return true
}

// proxyUpgrade forwards req to the kubelet at u+path?query and, once the
// kubelet switches protocols, copies bytes both ways until either side
// closes.
func (r *Running) proxyUpgrade(w http.ResponseWriter, req *http.Request, rt http.RoundTripper, u *url.URL, path string, query url.Values) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.URL.Path, pr.Out.URL.RawPath = path, ""
			pr.Out.URL.RawQuery = query.Encode()
			pr.Out.Header.Del("Authorization")
		},
		Transport:     rt,
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "kubelet: "+err.Error())
		},
	}
	rp.ServeHTTP(w, req)
}

// kubeletStreamTarget maps a connect request's options (upstream's
// PodExecOptions, PodAttachOptions, PodPortForwardOptions) to the
// kubelet's path and parameters, validating them as upstream does.
func kubeletStreamTarget(sub string, pod *corev1.Pod, q url.Values) (string, url.Values, error) {
	out := url.Values{}
	if sub == "portforward" {
		for _, p := range q["ports"] {
			for _, one := range strings.Split(p, ",") {
				if n, err := strconv.ParseUint(strings.TrimSpace(one), 10, 16); err != nil || n == 0 {
					return "", nil, fmt.Errorf("invalid port %q: must be between 1 and 65535", one)
				}
			}
			out.Add("port", p)
		}
		return "/portForward/" + pod.Namespace + "/" + pod.Name, out, nil
	}
	container, err := logContainer(pod, q.Get("container"))
	if err != nil {
		return "", nil, err
	}
	streams := false
	for _, p := range []struct{ param, kubelet string }{{"stdin", "input"}, {"stdout", "output"}, {"stderr", "error"}, {"tty", "tty"}} {
		on, err := boolParam(q, p.param)
		if err != nil {
			return "", nil, err
		}
		if on {
			out.Set(p.kubelet, "1")
			streams = streams || p.param != "tty"
		}
	}
	if !streams {
		return "", nil, fmt.Errorf("you must specify at least 1 of stdin, stdout, stderr")
	}
	if sub == "exec" {
		if len(q["command"]) == 0 {
			return "", nil, fmt.Errorf("you must specify at least one command for the container")
		}
		out["command"] = q["command"]
	}
	return "/" + sub + "/" + pod.Namespace + "/" + pod.Name + "/" + container, out, nil
}

// boolParam parses a boolean query parameter; absent is false.
func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("invalid value %q for %s: must be true or false", v, name)
	}
	return b, nil
}
