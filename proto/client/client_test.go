package client

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDoSendsHeadersAndKeepsHostPrefix(t *testing.T) {
	rec := newRecorder(t, respond(200, `{"ok":true}`))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL + "/prefix/", BearerToken: "tok", UserAgent: "ua/1"})
	resp, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/api/v1/x", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(resp.Body) != `{"ok":true}` {
		t.Fatalf("response = %d %q", resp.StatusCode, resp.Body)
	}
	got := rec.last()
	if got.Path != "/prefix/api/v1/x" {
		t.Errorf("path = %q", got.Path)
	}
	for k, want := range map[string]string{
		"Authorization": "Bearer tok", "User-Agent": "ua/1",
		"Accept": "application/json", "Content-Type": "application/json",
	} {
		if v := got.Header.Get(k); v != want {
			t.Errorf("header %s = %q, want %q", k, v, want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []*Config{
		nil, {}, {Host: "ftp://x"}, {Host: "http://"}, {Host: "https://x", CAData: []byte("junk")},
		{Host: "https://x", CertData: []byte("junk"), KeyData: []byte("junk")},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	c, err := New(&Config{Host: "127.0.0.1:6443"})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Config()
	if got.QPS != DefaultQPS || got.Burst != DefaultBurst || got.Timeout != DefaultTimeout || got.MaxRetries != DefaultMaxRetries {
		t.Errorf("defaults not applied: %+v", got)
	}
	if c.base.String() != "https://127.0.0.1:6443" {
		t.Errorf("base = %s", c.base)
	}
}

func TestStatusErrorsDecode(t *testing.T) {
	status := func(code int, reason metav1.StatusReason) string {
		return `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"m","reason":"` +
			string(reason) + `","code":` + strconv.Itoa(code) + `}`
	}
	cases := []struct {
		code int
		body string
		is   func(error) bool
	}{
		{404, status(404, metav1.StatusReasonNotFound), apierrors.IsNotFound},
		{409, status(409, metav1.StatusReasonConflict), apierrors.IsConflict},
		{409, status(409, metav1.StatusReasonAlreadyExists), apierrors.IsAlreadyExists},
		{410, status(410, metav1.StatusReasonExpired), apierrors.IsResourceExpired},
		{410, status(410, metav1.StatusReasonGone), apierrors.IsGone},
		{422, status(422, metav1.StatusReasonInvalid), apierrors.IsInvalid},
		{403, status(403, metav1.StatusReasonForbidden), apierrors.IsForbidden},
		// Not a Status: reason from the HTTP code.
		{404, "404 page not found", apierrors.IsNotFound},
		{401, "", apierrors.IsUnauthorized},
		{409, "conflict!", apierrors.IsConflict},
	}
	for _, tc := range cases {
		rec := newRecorder(t, respond(tc.code, tc.body))
		c, _ := newTestClient(t, Config{Host: rec.srv.URL})
		_, err := c.Do(context.Background(), &Request{Method: "PUT", Path: "/x", Body: []byte("{}")})
		var se *apierrors.StatusError
		if !errors.As(err, &se) {
			t.Fatalf("%d %q: error %T %v is not a StatusError", tc.code, tc.body, err, err)
		}
		if !tc.is(err) || int(se.ErrStatus.Code) != tc.code {
			t.Errorf("%d %q: got %#v", tc.code, tc.body, se.ErrStatus)
		}
		if !strings.HasPrefix(tc.body, "{") && tc.body != "" && se.ErrStatus.Message != tc.body {
			t.Errorf("message = %q, want body text %q", se.ErrStatus.Message, tc.body)
		}
	}
}

func TestInvalidCausesSurvive(t *testing.T) {
	body := `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Invalid","code":422,
	  "details":{"name":"p","kind":"Pod","causes":[{"reason":"FieldValueRequired","field":"spec.containers"}]}}`
	rec := newRecorder(t, respond(422, body))
	c, _ := newTestClient(t, Config{Host: rec.srv.URL})
	_, err := c.Do(context.Background(), &Request{Method: "POST", Path: "/x", Body: []byte("{}")})
	var se *apierrors.StatusError
	if !errors.As(err, &se) || !apierrors.IsInvalid(err) {
		t.Fatalf("err = %v", err)
	}
	if se.ErrStatus.Details == nil || len(se.ErrStatus.Details.Causes) != 1 || se.ErrStatus.Details.Causes[0].Field != "spec.containers" {
		t.Errorf("causes lost: %#v", se.ErrStatus.Details)
	}
}

func TestRetryPolicy(t *testing.T) {
	cases := []struct {
		name     string
		method   string
		code     int
		header   string // Retry-After
		attempts int    // requests the server sees with MaxRetries 2 and always failing
	}{
		{"429 GET", "GET", 429, "", 3},
		{"429 POST", "POST", 429, "", 3},
		{"500 GET", "GET", 500, "", 3},
		{"500 POST", "POST", 500, "", 1},
		{"500 PUT", "PUT", 500, "", 1},
		{"503 PUT", "PUT", 503, "", 3},
		{"503 DELETE", "DELETE", 503, "", 3},
		{"503 POST", "POST", 503, "", 1},
		{"503 POST Retry-After", "POST", 503, "1", 3},
		{"501 GET", "GET", 501, "", 1},
		{"409 PUT", "PUT", 409, "1", 1},
		{"404 GET", "GET", 404, "", 1},
		{"400 GET", "GET", 400, "", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.code)
			})
			c, _ := newTestClient(t, Config{Host: rec.srv.URL, MaxRetries: 2})
			_, err := c.Do(context.Background(), &Request{Method: tc.method, Path: "/x"})
			if err == nil {
				t.Fatal("no error")
			}
			var se *apierrors.StatusError
			if !errors.As(err, &se) || int(se.ErrStatus.Code) != tc.code {
				t.Errorf("err = %v", err)
			}
			if n := len(rec.requests()); n != tc.attempts {
				t.Errorf("attempts = %d, want %d", n, tc.attempts)
			}
		})
	}
}

func TestRetryAfterHonouredThenSuccess(t *testing.T) {
	tooMany := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(429)
	}
	rec := newRecorder(t, tooMany, respond(503, ""), respond(200, "{}"))
	c, s := newTestClient(t, Config{Host: rec.srv.URL})
	if _, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	got := s.got()
	if len(got) != 2 || got[0] != 3*time.Second {
		t.Fatalf("sleeps = %v, want [3s, backoff]", got)
	}
	if got[1] < defaultBackoff.base/2 || got[1] >= defaultBackoff.base*2 {
		t.Errorf("second (backoff) sleep = %v", got[1])
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	b := backoff{base: 100 * time.Millisecond, max: time.Second}
	for attempt := 0; attempt < 10; attempt++ {
		want := min(b.base<<attempt, b.max)
		for range 20 {
			d := b.delay(attempt)
			if d < want/2 || d >= want {
				t.Fatalf("delay(%d) = %v, want in [%v,%v)", attempt, d, want/2, want)
			}
		}
	}
}

func TestConnectionRefusedRetriedForAnyVerb(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, s := newTestClient(t, Config{Host: "http://" + addr, MaxRetries: 3})
	_, err = c.Do(context.Background(), &Request{Method: "POST", Path: "/x", Body: []byte("{}")})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v", err)
	}
	if n := len(s.got()); n != 3 {
		t.Errorf("retries = %d, want 3", n)
	}
}

func TestConnectionResetRetriedOnlyForGet(t *testing.T) {
	reset := func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
	for _, tc := range []struct {
		method   string
		attempts int
	}{{"GET", 2}, {"POST", 1}} {
		rec := newRecorder(t, reset, respond(200, "{}"))
		c, _ := newTestClient(t, Config{Host: rec.srv.URL})
		_, err := c.Do(context.Background(), &Request{Method: tc.method, Path: "/x", Body: []byte("{}")})
		if tc.method == "GET" && err != nil {
			t.Errorf("GET after reset: %v", err)
		}
		if tc.method == "POST" && err == nil {
			t.Errorf("POST after reset succeeded; must not be retried")
		}
		if n := len(rec.requests()); n != tc.attempts {
			t.Errorf("%s attempts = %d, want %d", tc.method, n, tc.attempts)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	rec := newRecorder(t, respond(200, "{}"))
	if c, _ := newTestClient(t, Config{Host: rec.srv.URL, QPS: -1}); c.limiter != nil {
		t.Error("negative QPS must disable the limiter")
	}
	c, _ := newTestClient(t, Config{Host: rec.srv.URL, QPS: 0.01, Burst: 1})
	ctx := context.Background()
	if _, err := c.Do(ctx, &Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	// The bucket is empty and refills in 100s: a request with a short
	// deadline must be refused by the limiter without reaching the server.
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := c.Do(ctx, &Request{Method: "GET", Path: "/x"}); err == nil || !strings.Contains(err.Error(), "rate limiter") {
		t.Fatalf("err = %v, want rate limiter error", err)
	}
	if n := len(rec.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestTimeoutAppliesToDo(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	c, _ := newTestClient(t, Config{Host: rec.srv.URL, Timeout: 50 * time.Millisecond, MaxRetries: -1})
	_, err := c.Do(context.Background(), &Request{Method: "GET", Path: "/x"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}
