package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
)

// defaultKubeletPort is used when a Node does not publish its kubelet port.
const defaultKubeletPort = 10250

var nodeInfo = info("nodes")

// logParams are the pods/log query parameters passed on to the kubelet.
var logParams = []string{"follow", "previous", "timestamps", "sinceSeconds", "sinceTime", "tailLines", "limitBytes"}

// kubeletURL is https://<node InternalIP>:<kubelet port> of node.
func (r *Running) kubeletURL(name string) (*url.URL, error) {
	o, ok := r.caches[nodeInfo.Resource].Get(codec.Key(nodeInfo, "", name))
	node, _ := o.(*corev1.Node)
	if !ok || node == nil {
		return nil, fmt.Errorf("nodes %q not found", name)
	}
	var ip string
	for _, a := range node.Status.Addresses {
		if a.Type == corev1.NodeInternalIP || (ip == "" && a.Type == corev1.NodeExternalIP) {
			ip = a.Address
			if a.Type == corev1.NodeInternalIP {
				break
			}
		}
	}
	if ip == "" {
		return nil, fmt.Errorf("node %q has no InternalIP", name)
	}
	port := int(node.Status.DaemonEndpoints.KubeletEndpoint.Port)
	if port == 0 {
		port = defaultKubeletPort
	}
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(ip, strconv.Itoa(port))}, nil
}

// podKubelet finds pod ns/name and the URL of its node's kubelet. When it
// cannot, it answers with a Status and returns ok false: 404 without the
// pod, 400 when check (nil: none) rejects the request for this pod or the
// pod has no node, 503 when the node's kubelet address is unknown.
func (r *Running) podKubelet(w http.ResponseWriter, ns, name string, check func(*corev1.Pod) error) (*corev1.Pod, *url.URL, bool) {
	o, ok := r.caches[podInfo.Resource].Get(codec.Key(podInfo, ns, name))
	pod, _ := o.(*corev1.Pod)
	if !ok || pod == nil {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, fmt.Sprintf("pods %q not found", name))
		return nil, nil, false
	}
	if check != nil {
		if err := check(pod); err != nil {
			writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, err.Error())
			return nil, nil, false
		}
	}
	if pod.Spec.NodeName == "" {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, fmt.Sprintf("pod %s does not have a host assigned", name))
		return nil, nil, false
	}
	u, err := r.kubeletURL(pod.Spec.NodeName)
	if err != nil {
		writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, err.Error())
		return nil, nil, false
	}
	return pod, u, true
}

// servePodLog proxies GET pods/<name>/log to the kubelet's containerLogs.
func (r *Running) servePodLog(w http.ResponseWriter, req *http.Request) {
	ns, name := chi.URLParam(req, "ns"), chi.URLParam(req, "name")
	q := req.URL.Query()
	var container string
	_, u, ok := r.podKubelet(w, ns, name, func(pod *corev1.Pod) (err error) {
		container, err = logContainer(pod, q.Get("container"))
		return err
	})
	if !ok {
		return
	}
	u.Path = "/containerLogs/" + ns + "/" + name + "/" + container
	out := url.Values{}
	for _, p := range logParams {
		if v := q.Get(p); v != "" {
			out.Set(p, v)
		}
	}
	u.RawQuery = out.Encode()
	r.streamFromKubelet(w, req.Context(), u)
}

// logContainer picks the container whose log is asked for.
func logContainer(pod *corev1.Pod, want string) (string, error) {
	var names []string
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if want == c.Name {
			return want, nil
		}
		names = append(names, c.Name)
	}
	switch {
	case want != "":
		return "", fmt.Errorf("container %s is not valid for pod %s", want, pod.Name)
	case len(pod.Spec.Containers) == 1:
		return pod.Spec.Containers[0].Name, nil
	}
	return "", fmt.Errorf("a container name must be specified for pod %s, choose one of: [%s]", pod.Name, strings.Join(names, " "))
}

// streamFromKubelet copies the kubelet's answer, flushing as it goes so
// `logs -f` streams.
func (r *Running) streamFromKubelet(w http.ResponseWriter, ctx context.Context, u *url.URL) {
	kreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
		return
	}
	resp, err := r.kubeletClient().Do(kreq)
	if err != nil {
		writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, "kubelet: "+err.Error())
		return
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	} else {
		w.Header().Set("Content-Type", "text/plain")
	}
	w.WriteHeader(resp.StatusCode)
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			if err != io.EOF {
				r.log.Debug("kubelet stream ended", "url", u.String(), "err", err)
			}
			return
		}
	}
}

// serveNodeProxy proxies nodes/<name>/proxy/<path> to the kubelet.
func (r *Running) serveNodeProxy(w http.ResponseWriter, req *http.Request) {
	u, err := r.kubeletURL(chi.URLParam(req, "name"))
	if err != nil {
		writeStatus(w, http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, err.Error())
		return
	}
	rest := "/" + chi.URLParam(req, "*")
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.URL.Path = rest
			pr.Out.URL.RawPath = ""
			pr.Out.Header.Del("Authorization")
		},
		Transport:     r.kubeletClient().Transport,
		FlushInterval: -1,
	}
	rp.ServeHTTP(w, req)
}

func (r *Running) kubeletClient() *http.Client {
	return &http.Client{Transport: r.kubeletTransport}
}

func newKubeletTransport(s *security) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // no PKI without TLS; kubelet certs are self-signed
	if s != nil {
		t.TLSClientConfig = s.kubeletTC
	}
	t.ResponseHeaderTimeout = 30 * time.Second
	return t
}
