package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func startApp(t *testing.T, dir string, port int) *Running {
	t.Helper()
	r, err := Start(context.Background(), Options{DisableTLS: true, Insecure: true, InsecurePort: port, DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func do(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestStartServesEverythingAndSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	r := startApp(t, dir, 0)
	base := r.URL()

	for _, p := range []string{"/livez", "/healthz", "/readyz", "/version", "/api", "/apis", "/api/v1", "/apis/apps/v1", "/openapi/v3", "/openapi/v2"} {
		if code, b := do(t, "GET", base+p, ""); code != 200 {
			t.Errorf("GET %s: %d %s", p, code, b)
		}
	}
	if code, b := do(t, "GET", base+"/readyz?verbose", ""); code != 200 || !bytes.Contains(b, []byte("[+]informer-sync ok")) {
		t.Errorf("readyz verbose: %d %s", code, b)
	}
	if code, _ := do(t, "GET", base+"/nope", ""); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
	for _, ns := range systemNamespaces {
		if code, b := do(t, "GET", base+"/api/v1/namespaces/"+ns, ""); code != 200 {
			t.Errorf("namespace %s: %d %s", ns, code, b)
		}
	}

	cm := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"keep"},"data":{"k":"v"}}`
	if code, b := do(t, "POST", base+"/api/v1/namespaces/default/configmaps", cm); code != 201 {
		t.Fatalf("create: %d %s", code, b)
	}
	_, metrics := do(t, "GET", base+"/metrics", "")
	if !bytes.Contains(metrics, []byte(`apiserver_request_total{code="201"`)) {
		t.Errorf("metrics lack the create:\n%s", grep(metrics, "apiserver_request_total"))
	}

	if err := r.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	r2 := startApp(t, dir, 0)
	code, b := do(t, "GET", r2.URL()+"/api/v1/namespaces/default/configmaps/keep", "")
	var got corev1.ConfigMap
	if code != 200 || json.Unmarshal(b, &got) != nil || got.Data["k"] != "v" || got.ResourceVersion == "" {
		t.Fatalf("after restart: %d %s", code, b)
	}
}

func grep(b []byte, s string) string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestRecoverPanicsWritesStatus(t *testing.T) {
	h := recoverPanics(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	var st metav1.Status
	if w.Code != 500 || json.Unmarshal(w.Body.Bytes(), &st) != nil || st.Reason != metav1.StatusReasonInternalError {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, o := range []Options{{BindAddress: "localhost"}, {SecurePort: 70000}, {WatchCacheCapacity: -1}} {
		if _, err := Start(context.Background(), o); err == nil {
			t.Errorf("Start(%+v) succeeded", o)
		}
	}
}

// recordingHandler keeps log records for assertions.
type recordingHandler struct {
	slog.Handler
	records *[]slog.Record
}

func (h recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordingHandler) Handle(_ context.Context, r slog.Record) error {
	*h.records = append(*h.records, r)
	return nil
}

func TestLogRequestsKeepsFlusherAndLogsCode(t *testing.T) {
	var records []slog.Record
	log := slog.New(recordingHandler{Handler: slog.DiscardHandler, records: &records})
	flushed := false
	h := logRequests(log)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
			flushed = true
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/pods", nil))
	if !flushed {
		t.Error("wrapped writer is not an http.Flusher")
	}
	if len(records) != 1 {
		t.Fatalf("%d records", len(records))
	}
	attrs := map[string]string{}
	records[0].Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
	if attrs["code"] != "418" || attrs["path"] != "/api/v1/pods" || attrs["method"] != "GET" {
		t.Errorf("attrs %v", attrs)
	}
}

func TestStartFailsCleanlyWhenPortIsTaken(t *testing.T) {
	first := startApp(t, t.TempDir(), 0)
	_, port, _ := strings.Cut(first.Addr(), ":")
	p, _ := strconv.Atoi(port)
	dir := t.TempDir()
	if _, err := Start(context.Background(), Options{DisableTLS: true, Insecure: true, InsecurePort: p, DataDir: dir, Logger: slog.New(slog.DiscardHandler)}); err == nil {
		t.Fatal("Start on a taken port succeeded")
	}
	// The failed start must have released its etcd: a second start on the
	// same data directory works.
	startApp(t, dir, 0)
}
