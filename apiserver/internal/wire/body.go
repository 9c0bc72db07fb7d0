package wire

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// ReadBody reads r's body, refusing more than max bytes with 413.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", max))
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("limit is %d", max))
	}
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unable to read request body: %v", err))
	}
	return b, nil
}

// MediaType returns r's Content-Type without parameters (JSON if unset).
func MediaType(r *http.Request) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "application/json"
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}

// ToJSON converts a body of media type mt to JSON: JSON as is, YAML
// converted, protobuf by fromProtobuf. Other media types are 415, a bad
// YAML body is 400.
func ToJSON(mt string, body []byte, fromProtobuf func([]byte) ([]byte, error)) ([]byte, error) {
	switch mt {
	case "application/json", "*/*":
		return body, nil
	case ProtobufMediaType:
		return fromProtobuf(body)
	case "application/yaml", "application/x-yaml", "text/yaml":
		j, err := yaml.YAMLToJSON(body)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("error converting YAML to JSON: %v", err))
		}
		return j, nil
	}
	return nil, &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType, Reason: metav1.StatusReasonUnsupportedMediaType,
		Message: "the body of the request was in an unknown format - accepted media types include: " +
			"application/json, application/yaml, " + ProtobufMediaType,
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueNotSupported, Message: mt}}},
	}}
}

// CheckKind accepts an object whose apiVersion/kind are want's, or unset
// (then filled in); a mismatch is 400.
func CheckKind(want schema.GroupVersionKind, obj runtime.Object) error {
	got := obj.GetObjectKind().GroupVersionKind()
	if got.Kind == "" && got.Version == "" {
		obj.GetObjectKind().SetGroupVersionKind(want)
		return nil
	}
	if av, wantAV := got.GroupVersion().String(), want.GroupVersion().String(); av != wantAV {
		return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", av, wantAV))
	}
	if got.Kind != want.Kind {
		return apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", got.Kind, want.Kind))
	}
	return nil
}
