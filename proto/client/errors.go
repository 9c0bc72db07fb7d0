package client

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 1 << 20

// maxErrorMessage bounds the message taken from a non-Status error body.
const maxErrorMessage = 4096

// decodeError turns a non-2xx response into a *apierrors.StatusError. A
// Status body is used as is (its code defaulted from the HTTP status);
// anything else becomes a Status with the reason implied by the HTTP code
// and the body text as message.
func decodeError(code int, method string, h http.Header, body []byte) error {
	var st metav1.Status
	if json.Unmarshal(body, &st) == nil && (st.Kind == "Status" || st.Status == metav1.StatusFailure) {
		if st.Code == 0 {
			st.Code = int32(code)
		}
		if st.Status == "" {
			st.Status = metav1.StatusFailure
		}
		if st.Reason == "" && st.Message == "" {
			st.Reason = apierrors.NewGenericServerResponse(code, method, schema.GroupResource{}, "", "", 0, false).ErrStatus.Reason
		}
		return &apierrors.StatusError{ErrStatus: st}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
		msg += "…"
	}
	if msg == "" {
		msg = http.StatusText(code)
	}
	ra, _ := retryAfter(h)
	se := apierrors.NewGenericServerResponse(code, method, schema.GroupResource{}, "", msg, int(ra.Seconds()), true)
	se.ErrStatus.Message = msg
	return se
}
