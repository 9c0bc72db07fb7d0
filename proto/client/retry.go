package client

import (
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"syscall"
	"time"
)

// maxRetryAfter caps a server's Retry-After so a bad header cannot stall us.
const maxRetryAfter = 60 * time.Second

// backoff is exponential backoff with jitter: attempt n waits a random
// duration in [d/2, d) where d = base·2ⁿ capped at max.
type backoff struct {
	base, max time.Duration
}

var defaultBackoff = backoff{base: 200 * time.Millisecond, max: 10 * time.Second}

func (b backoff) delay(attempt int) time.Duration {
	d := b.base
	for i := 0; i < attempt && d < b.max; i++ {
		d *= 2
	}
	d = min(d, b.max)
	if d <= 1 {
		return d
	}
	half := d / 2
	return half + rand.N(half)
}

// retryDelay reports whether a non-2xx response to method should be retried
// and after how long.
func (c *Client) retryDelay(method string, resp *http.Response, attempt int) (time.Duration, bool) {
	code := resp.StatusCode
	ra, hasRA := retryAfter(resp.Header)
	wait := c.backoff.delay(attempt)
	if hasRA && ra > 0 {
		wait = ra
	}
	switch {
	case code == http.StatusTooManyRequests:
		return wait, true
	case code >= 500 && hasRA:
		return wait, true
	case code == http.StatusInternalServerError:
		return wait, method == http.MethodGet
	case code == http.StatusBadGateway, code == http.StatusServiceUnavailable, code == http.StatusGatewayTimeout:
		return wait, idempotent(method)
	}
	return 0, false
}

// retryAfter parses a Retry-After header given in seconds.
func retryAfter(h http.Header) (time.Duration, bool) {
	v := h.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return min(time.Duration(n)*time.Second, maxRetryAfter), true
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryableError reports whether a transport error is safe to retry: a
// refused connection never reached the server, so any verb is retried; a
// reset or truncated response only for GET.
func retryableError(method string, err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	if method != http.MethodGet {
		return false
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE)
}
