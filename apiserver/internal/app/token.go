package app

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/codec"
)

// Token lifetimes of serviceaccounts/token requests.
const (
	defaultTokenTTL = time.Hour
	minTokenTTL     = 10 * time.Minute
	maxTokenTTL     = 48 * time.Hour
)

// serveTokenRequest answers POST .../serviceaccounts/<name>/token with a
// TokenRequest whose status carries a signed ServiceAccount JWT.
func (r *Running) serveTokenRequest(w http.ResponseWriter, req *http.Request) {
	ns, name := chi.URLParam(req, "ns"), chi.URLParam(req, "name")
	var tr authnv1.TokenRequest
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, &tr)
	}
	if err != nil {
		writeStatus(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "invalid TokenRequest: "+err.Error())
		return
	}
	o, ok := r.caches[saInfo.Resource].Get(codec.Key(saInfo, ns, name))
	if !ok {
		writeStatus(w, http.StatusNotFound, metav1.StatusReasonNotFound, `serviceaccounts "`+name+`" not found`)
		return
	}
	ttl := defaultTokenTTL
	if s := tr.Spec.ExpirationSeconds; s != nil {
		ttl = min(max(time.Duration(*s)*time.Second, minTokenTTL), maxTokenTTL)
	}
	tok, exp, err := r.sec.sa.Issue(ns, name, string(o.GetUID()), ttl)
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, metav1.StatusReasonInternalError, err.Error())
		return
	}
	tr.TypeMeta = metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenRequest"}
	tr.Name, tr.Namespace = name, ns
	tr.CreationTimestamp = metav1.NewTime(time.Now().Truncate(time.Second))
	secs := int64(ttl / time.Second)
	tr.Spec.ExpirationSeconds = &secs
	tr.Status = authnv1.TokenRequestStatus{Token: tok, ExpirationTimestamp: metav1.NewTime(exp)}
	b, _ := json.Marshal(&tr)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(b)
}
