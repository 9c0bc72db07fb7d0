package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/wharfhq/wharf/apiserver/internal/authz"
)

// auditLog writes one JSON line per request.
type auditLog struct {
	mu sync.Mutex
	w  io.WriteCloser
}

// auditEvent is one line of the audit log.
type auditEvent struct {
	Time        time.Time `json:"time"`
	User        string    `json:"user"`
	Groups      []string  `json:"groups,omitempty"`
	Verb        string    `json:"verb"`
	APIGroup    string    `json:"apiGroup,omitempty"`
	Resource    string    `json:"resource,omitempty"`
	Subresource string    `json:"subresource,omitempty"`
	Namespace   string    `json:"namespace,omitempty"`
	Name        string    `json:"name,omitempty"`
	Path        string    `json:"path"`
	Code        int       `json:"code"`
	SourceIP    string    `json:"sourceIP"`
}

func openAudit(path string) (*auditLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("app: audit log: %w", err)
	}
	return &auditLog{w: f}, nil
}

type auditKey struct{}

// auditUser is filled in by withAuth/withUnsecured for the audit line.
type auditUser struct {
	name   string
	groups []string
}

func setAuditUser(ctx context.Context, name string, groups []string) {
	if u, ok := ctx.Value(auditKey{}).(*auditUser); ok {
		u.name, u.groups = name, groups
	}
}

// wrap logs every request next serves, including 401 and 403 answers.
func (a *auditLog) wrap(next http.Handler) http.Handler {
	if a == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := &auditUser{}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), auditKey{}, u)))
		attrs := authz.Resolve(r)
		code := ww.Status()
		if code == 0 {
			code = http.StatusOK
		}
		b, _ := json.Marshal(auditEvent{Time: start.UTC(), User: u.name, Groups: u.groups, Verb: attrs.Verb,
			APIGroup: attrs.APIGroup, Resource: attrs.Resource, Subresource: attrs.Subresource,
			Namespace: attrs.Namespace, Name: attrs.Name, Path: r.URL.Path, Code: code, SourceIP: r.RemoteAddr})
		a.mu.Lock()
		defer a.mu.Unlock()
		_, _ = a.w.Write(append(b, '\n'))
	})
}

func (a *auditLog) Close() error {
	if a == nil {
		return nil
	}
	return a.w.Close()
}
