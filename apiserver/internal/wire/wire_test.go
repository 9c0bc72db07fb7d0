package wire

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	authzv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var ssarGVK = authzv1.SchemeGroupVersion.WithKind("SelfSubjectAccessReview")

func decode(t *testing.T, c *Codec, contentType, body string) (*authzv1.SelfSubjectAccessReview, error) {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var out authzv1.SelfSubjectAccessReview
	err := c.Decode(httptest.NewRecorder(), r, ssarGVK, &out)
	return &out, err
}

func TestDecode(t *testing.T) {
	c, err := NewCodec(256)
	if err != nil {
		t.Fatal(err)
	}
	ok := map[string][2]string{
		"json no kind": {"", `{"spec":{"nonResourceAttributes":{"verb":"get","path":"/x"}}}`},
		"json":         {"application/json", `{"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"nonResourceAttributes":{"verb":"get","path":"/x"}}}`},
		"yaml":         {"application/yaml", "spec:\n  nonResourceAttributes: {verb: get, path: /x}\n"},
	}
	for name, tc := range ok {
		got, err := decode(t, c, tc[0], tc[1])
		if err != nil || got.Kind != "SelfSubjectAccessReview" || got.Spec.NonResourceAttributes == nil || got.Spec.NonResourceAttributes.Path != "/x" {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	bad := map[string]struct {
		ct, body string
		code     int32
	}{
		"kind":       {"", `{"apiVersion":"authorization.k8s.io/v1","kind":"TokenReview"}`, 400},
		"version":    {"", `{"apiVersion":"v1","kind":"SelfSubjectAccessReview"}`, 400},
		"json":       {"", `{"spec":`, 400},
		"media type": {"text/plain", `x`, 415},
		"protobuf":   {ProtobufMediaType, "k8s\x00garbage", 400},
		"too large":  {"", `{"metadata":{"name":"` + strings.Repeat("x", 300) + `"}}`, 413},
	}
	for name, tc := range bad {
		_, err := decode(t, c, tc.ct, tc.body)
		if code := apierrors.ReasonForError(err); err == nil || apiCode(err) != tc.code {
			t.Errorf("%s: %v (%s)", name, err, code)
		}
	}
}

func apiCode(err error) int32 {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().Code
	}
	return 0
}

func TestWriteError(t *testing.T) {
	for err, want := range map[error]int{
		apierrors.NewBadRequest("no"):                     400,
		bytes.ErrTooLarge:                                 500,
		apierrors.NewNotFound(authzv1.Resource("x"), "x"): 404,
	} {
		w := httptest.NewRecorder()
		WriteError(w, err)
		var st metav1.Status
		if json.Unmarshal(w.Body.Bytes(), &st) != nil || w.Code != want || st.Kind != "Status" || int(st.Code) != want ||
			w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%v: %d %s", err, w.Code, w.Body)
		}
	}
	w := httptest.NewRecorder()
	WriteObject(w, http.StatusCreated, map[string]string{"a": "b"})
	if w.Code != 201 || w.Body.String() != `{"a":"b"}` {
		t.Errorf("WriteObject: %d %s", w.Code, w.Body)
	}
}
