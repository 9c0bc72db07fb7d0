package wire

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	authzv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestReadBodyRefusesOversizedBodies(t *testing.T) {
	r := httptest.NewRequest("POST", "/", strings.NewReader("0123456789"))
	if _, err := ReadBody(httptest.NewRecorder(), r, 5); !apierrors.IsRequestEntityTooLargeError(err) {
		t.Fatalf("declared length over the limit: %v, want 413", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("0123456789"))
	r.ContentLength = -1 // unknown: the limit applies while reading
	if _, err := ReadBody(httptest.NewRecorder(), r, 5); !apierrors.IsRequestEntityTooLargeError(err) {
		t.Fatalf("streamed body over the limit: %v, want 413", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("01234"))
	if b, err := ReadBody(httptest.NewRecorder(), r, 5); err != nil || string(b) != "01234" {
		t.Fatalf("body at the limit: %q, %v", b, err)
	}
}

func TestMediaTypeAndToJSON(t *testing.T) {
	r := httptest.NewRequest("POST", "/", nil)
	if mt := MediaType(r); mt != "application/json" {
		t.Errorf("unset Content-Type = %q", mt)
	}
	r.Header.Set("Content-Type", "application/yaml; charset=utf-8")
	if mt := MediaType(r); mt != "application/yaml" {
		t.Errorf("MediaType = %q", mt)
	}
	pbErr := errors.New("protobuf called")
	fromPB := func([]byte) ([]byte, error) { return nil, pbErr }
	if j, err := ToJSON("application/yaml", []byte("a: 1\n"), fromPB); err != nil || string(j) != `{"a":1}` {
		t.Errorf("YAML = %s, %v", j, err)
	}
	if _, err := ToJSON(ProtobufMediaType, nil, fromPB); !errors.Is(err, pbErr) {
		t.Errorf("protobuf = %v, want the protobuf decoder's error", err)
	}
	if _, err := ToJSON("text/plain", nil, fromPB); !apierrors.IsUnsupportedMediaType(err) {
		t.Errorf("text/plain = %v, want 415", err)
	}
	if _, err := ToJSON("application/yaml", []byte("a: [\n"), fromPB); !apierrors.IsBadRequest(err) {
		t.Errorf("bad YAML = %v, want 400", err)
	}
}

func TestCheckKind(t *testing.T) {
	obj := &authzv1.SelfSubjectAccessReview{}
	if err := CheckKind(ssarGVK, obj); err != nil || obj.GroupVersionKind() != ssarGVK {
		t.Fatalf("unset kind: %v, %v", obj.GroupVersionKind(), err)
	}
	obj.Kind = "SubjectAccessReview"
	if err := CheckKind(ssarGVK, obj); !apierrors.IsBadRequest(err) {
		t.Errorf("wrong kind: %v, want 400", err)
	}
	obj.Kind, obj.APIVersion = ssarGVK.Kind, "v1"
	if err := CheckKind(ssarGVK, obj); !apierrors.IsBadRequest(err) {
		t.Errorf("wrong apiVersion: %v, want 400", err)
	}
}
