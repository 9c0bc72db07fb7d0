package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
)

const conflictMsg = "the object has been modified; please apply your changes to the latest version and try again"

// statusOf converts err into the Status sent to the client. Errors that are
// not API statuses become 500 InternalError (and are logged by the caller).
func statusOf(err error) (metav1.Status, bool) {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status(), true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apierrors.NewTimeoutError("request did not complete", 0).Status(), true
	}
	return apierrors.NewInternalError(err).Status(), false
}

// writeError writes err as a metav1.Status with its code.
func (s *Server) writeError(w http.ResponseWriter, hr *http.Request, err error) {
	st, known := statusOf(err)
	if !known {
		s.log.ErrorContext(hr.Context(), "request failed", "method", hr.Method, "path", hr.URL.Path, "err", err)
	}
	writeStatus(w, st)
}

func writeStatus(w http.ResponseWriter, st metav1.Status) {
	st.Kind, st.APIVersion = "Status", "v1"
	if st.Status == "" {
		st.Status = metav1.StatusFailure
	}
	b, err := json.Marshal(&st)
	if err != nil { // cannot happen for a Status
		b = []byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","code":500}`)
	}
	w.Header().Set("Content-Type", "application/json")
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// storageError maps a storage error on the object name of r to its API
// status; other errors are wrapped with what was being done.
func storageError(err error, r *request, name string) error {
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return apierrors.NewNotFound(r.gr(), name)
	case errors.Is(err, storage.ErrExists):
		return apierrors.NewAlreadyExists(r.gr(), name)
	case errors.Is(err, storage.ErrConflict):
		return apierrors.NewConflict(r.gr(), name, errors.New(conflictMsg))
	case errors.Is(err, storage.ErrCompacted):
		return apierrors.NewResourceExpired("The resourceVersion for the provided list is too old.")
	}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	return fmt.Errorf("%s %s %q: %w", r.verb, r.info.Resource, name, err)
}

// newUnsupportedMediaType builds the 415 Status upstream sends.
func newUnsupportedMediaType(contentType string, supported []string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    http.StatusUnsupportedMediaType,
		Reason:  metav1.StatusReasonUnsupportedMediaType,
		Message: fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", joinComma(supported)),
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueNotSupported, Message: contentType}}},
	}}
}

func joinComma(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}

// writeSuccess writes a Status Success (binding, some deletes).
func writeSuccess(w http.ResponseWriter, code int, details *metav1.StatusDetails) {
	writeStatus(w, metav1.Status{Status: metav1.StatusSuccess, Code: int32(code), Details: details})
}
