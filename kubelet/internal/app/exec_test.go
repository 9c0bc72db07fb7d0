package app

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	gwebsocket "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	rcconst "k8s.io/apimachinery/pkg/util/remotecommand"
)

// TestExecThroughAPIServer: pods/exec over the v5 websocket protocol,
// from a client through the HTTPS apiserver to this kubelet's
// authenticated server and a real container.
func TestExecThroughAPIServer(t *testing.T) {
	cl, s := newTLSCluster(t)
	pod := cl.createPod(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "shell"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "c", Image: "tools", Command: []string{"sleep", "3600"},
	}}}})
	cl.waitPod(pod.Name, "running", running)
	cfg := cl.c.Config()
	cert, err := tls.X509KeyPair(cfg.CertData, cfg.KeyData)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(cfg.CAData)
	d := gwebsocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}, Subprotocols: []string{rcconst.StreamProtocolV5Name}}
	u := "wss" + strings.TrimPrefix(s.URL, "https") + "/api/v1/namespaces/default/pods/shell/exec?" +
		url.Values{"command": {"sh", "-c", "cat; hostname; exit 5"}, "stdin": {"true"}, "stdout": {"true"}, "stderr": {"true"}}.Encode()
	ws, resp, err := d.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial: %v (%+v)", err, resp)
	}
	defer ws.Close()
	for _, m := range [][]byte{append([]byte{0}, "from stdin\n"...), {rcconst.StreamClose, 0}} {
		if err := ws.WriteMessage(gwebsocket.BinaryMessage, m); err != nil {
			t.Fatal(err)
		}
	}
	got := map[byte]string{}
	for {
		_, m, err := ws.ReadMessage()
		if err != nil {
			break
		}
		if len(m) > 0 {
			got[m[0]] += string(m[1:])
		}
	}
	var st metav1.Status
	_ = json.Unmarshal([]byte(got[3]), &st)
	if got[1] != "from stdin\nshell\n" || st.Reason != rcconst.NonZeroExitCodeReason || st.Details == nil || st.Details.Causes[0].Message != "5" {
		t.Errorf("streams %q, status %+v; want stdin echoed, the hostname and exit code 5", got, st)
	}
}
