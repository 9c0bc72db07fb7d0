package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/time/rate"
)

// Client performs HTTP requests against one apiserver. It is safe for
// concurrent use; all requests share one connection pool.
type Client struct {
	cfg     *Config
	base    *url.URL
	http    *http.Client
	limiter *rate.Limiter // nil: unlimited
	backoff backoff
	sleep   func(context.Context, time.Duration) error // replaced in tests
}

// Request is one HTTP call. Path is relative to Config.Host ("/api/v1/pods").
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Body   []byte
	// ContentType defaults to application/json when Body is set.
	ContentType string
	// Accept defaults to application/json.
	Accept string
}

// Response is a successful (2xx) response with its body fully read.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// New returns a Client for cfg. cfg is copied; zero fields get defaults.
func New(cfg *Config) (*Client, error) {
	if cfg == nil {
		return nil, fmt.Errorf("client: nil Config")
	}
	c := cfg.withDefaults()
	base, err := parseHost(c.Host)
	if err != nil {
		return nil, err
	}
	tc, err := c.tlsConfig()
	if err != nil {
		return nil, err
	}
	cl := &Client{
		cfg:     c,
		base:    base,
		http:    &http.Client{Transport: newTransport(tc)},
		backoff: defaultBackoff,
		sleep:   sleep,
	}
	if c.QPS > 0 {
		cl.limiter = rate.NewLimiter(rate.Limit(c.QPS), c.Burst)
	}
	return cl, nil
}

// Config returns a copy of the client's configuration with defaults applied.
func (c *Client) Config() *Config {
	cfg := *c.cfg
	return &cfg
}

// Do sends r (retrying as the package doc describes) and returns the
// response with its body read. Non-2xx responses are returned as
// *apierrors.StatusError. The whole call is bounded by Config.Timeout.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading response: %w", r.Method, r.Path, err)
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// Stream sends r like Do but returns the open response body, for watches
// and logs. No Config.Timeout applies; cancel ctx or close the body to end
// the stream.
func (c *Client) Stream(ctx context.Context, r *Request) (io.ReadCloser, error) {
	resp, err := c.send(ctx, r)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// send performs r with rate limiting and retries and returns a 2xx
// response whose body the caller must close.
func (c *Client) send(ctx context.Context, r *Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx); err != nil {
				return nil, fmt.Errorf("%s %s: rate limiter: %w", r.Method, r.Path, err)
			}
		}
		req, err := c.newHTTPRequest(ctx, r)
		if err != nil {
			return nil, err
		}
		resp, err := c.http.Do(req)
		if err != nil {
			if attempt < c.cfg.MaxRetries && ctx.Err() == nil && retryableError(r.Method, err) {
				if serr := c.sleep(ctx, c.backoff.delay(attempt)); serr == nil {
					continue
				}
			}
			return nil, fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return resp, nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		if attempt < c.cfg.MaxRetries {
			if d, ok := c.retryDelay(r.Method, resp, attempt); ok {
				if serr := c.sleep(ctx, d); serr == nil {
					continue
				}
			}
		}
		return nil, decodeError(resp.StatusCode, r.Method, resp.Header, body)
	}
}

// newHTTPRequest builds the *http.Request for one attempt.
func (c *Client) newHTTPRequest(ctx context.Context, r *Request) (*http.Request, error) {
	if r.Method == "" {
		return nil, fmt.Errorf("client: request for %q has no method", r.Path)
	}
	u := *c.base
	u.Path = c.base.Path + r.Path
	if len(r.Query) > 0 {
		u.RawQuery = r.Query.Encode()
	}
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("client: building %s %s: %w", r.Method, r.Path, err)
	}
	accept := r.Accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	if r.Body != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if c.cfg.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.BearerToken)
	}
	return req, nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
