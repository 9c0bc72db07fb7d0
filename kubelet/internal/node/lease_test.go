package node

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/apiservertest"
	"github.com/wharfhq/wharf/proto/client"
)

// requestLog is a reverse proxy in front of an apiserver that records
// "METHOD path?query code" of every request.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
	// failPuts answers that many PUTs with 500 without passing them on.
	failPuts int
}

func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reqs
	l.reqs = nil
	return r
}

func countingProxy(t *testing.T, target string) (*requestLog, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	l := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		l.mu.Lock()
		fail := r.Method == http.MethodPut && l.failPuts > 0
		if fail {
			l.failPuts--
		}
		l.mu.Unlock()
		if fail {
			rec.WriteHeader(http.StatusInternalServerError)
		} else {
			rp.ServeHTTP(rec, r)
		}
		line := r.Method + " " + r.URL.Path
		if r.URL.RawQuery != "" {
			line += "?" + r.URL.RawQuery
		}
		l.mu.Lock()
		l.reqs = append(l.reqs, line+" "+http.StatusText(rec.code))
		l.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return l, srv.URL
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// TestLeaseRenewalIsOneRequest: a renewal updates the lease as last
// written without reading it, and recovers when another writer changed
// or deleted the lease.
func TestLeaseRenewalIsOneRequest(t *testing.T) {
	s := apiservertest.Start(t)
	log, url := countingProxy(t, s.URL)
	c, err := client.New(&client.Config{Host: url})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAgent(Config{Client: c, Name: "n1", Machine: DetectMachine("n1", t.TempDir(), "192.0.2.10")})
	if err := a.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := a.renewLease(t.Context()); err != nil { // creates it
		t.Fatal(err)
	}
	log.take()
	for range 3 {
		if err := a.renewLease(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Repeat("PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1 OK\n", 3)
	if got := strings.Join(log.take(), "\n") + "\n"; got != want {
		t.Fatalf("renewals sent\n%s\nwant\n%s", got, want)
	}

	log.mu.Lock()
	log.failPuts = 1
	log.mu.Unlock()
	if err := a.renewLease(t.Context()); err == nil {
		t.Fatal("renewal answered 500 did not fail")
	}
	if err := a.renewLease(t.Context()); err != nil {
		t.Fatal(err)
	}
	const put = "PUT /apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1"
	if got := strings.Join(log.take(), ", "); got != put+" Internal Server Error, "+put+" OK" {
		t.Fatalf("a failed renewal and the next sent %q", got)
	}

	leases := client.Leases(c, LeaseNamespace)
	other, err := leases.Get(t.Context(), "n1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other.Spec.RenewTime = &metav1.MicroTime{Time: time.Unix(1, 0)}
	if _, err := leases.Update(t.Context(), other, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.renewLease(t.Context()); err != nil {
		t.Fatalf("renewal after another writer: %v", err)
	}
	if got, _ := leases.Get(t.Context(), "n1", metav1.GetOptions{}); time.Since(got.Spec.RenewTime.Time) > time.Minute {
		t.Fatalf("lease not renewed after a conflict: %v", got.Spec.RenewTime)
	}
	if err := leases.Delete(t.Context(), "n1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.renewLease(t.Context()); err != nil {
		t.Fatalf("renewal after deletion: %v", err)
	}
	if _, err := leases.Get(t.Context(), "n1", metav1.GetOptions{}); err != nil {
		t.Fatalf("lease not recreated: %v", err)
	}
}

// TestStatusSyncReadsTheCacheFirst: an unchanged status costs one read
// of the Node, served from the apiserver's watch cache (a lagging cache
// may add a conflict and a read from etcd, never a first read from etcd).
func TestStatusSyncReadsTheCacheFirst(t *testing.T) {
	s := apiservertest.Start(t)
	log, url := countingProxy(t, s.URL)
	c, err := client.New(&client.Config{Host: url})
	if err != nil {
		t.Fatal(err)
	}
	a := NewAgent(Config{Client: c, Name: "n1", Machine: DetectMachine("n1", t.TempDir(), "192.0.2.10")})
	if err := a.Register(t.Context()); err != nil {
		t.Fatal(err)
	}
	log.take()
	if err := a.syncStatus(t.Context(), false); err != nil {
		t.Fatal(err)
	}
	got := log.take()
	if len(got) == 0 || got[0] != "GET /api/v1/nodes/n1?resourceVersion=0 OK" || (len(got) > 1 && !strings.Contains(got[1], "Conflict")) {
		t.Fatalf("status sync sent %q", got)
	}
}
