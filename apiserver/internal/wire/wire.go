package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// ProtobufMediaType is what client-go sends for built-in types.
const ProtobufMediaType = "application/vnd.kubernetes.protobuf"

// DefaultMaxBodyBytes is upstream's request body limit.
const DefaultMaxBodyBytes = 3 << 20

// Codec decodes request bodies of the types its scheme knows. It is safe
// for concurrent use.
type Codec struct {
	pb      *protobuf.Serializer
	maxBody int64
}

// NewCodec returns a codec for the authentication, authorization,
// events and core v1 groups, refusing bodies over maxBody bytes
// (DefaultMaxBodyBytes if <= 0).
func NewCodec(maxBody int64) (*Codec, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		authnv1.AddToScheme, authzv1.AddToScheme, eventsv1.AddToScheme, corev1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("wire: building the protobuf scheme: %w", err)
		}
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return &Codec{pb: protobuf.NewSerializer(scheme, scheme), maxBody: maxBody}, nil
}

// Decode reads r's body (JSON, YAML or protobuf by Content-Type) into
// into and checks its apiVersion/kind against gvk (unset ones are filled
// in). Failures are API status errors (400, 413, 415).
func (c *Codec) Decode(w http.ResponseWriter, r *http.Request, gvk schema.GroupVersionKind, into runtime.Object) error {
	body, err := ReadBody(w, r, c.maxBody)
	if err != nil {
		return err
	}
	data, err := ToJSON(MediaType(r), body, c.protobufToJSON)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, into); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("error decoding request body: %v", err))
	}
	return CheckKind(gvk, into)
}

// protobufToJSON decodes a protobuf body of a type c's scheme knows and
// re-encodes it as JSON with its apiVersion and kind.
func (c *Codec) protobufToJSON(body []byte) ([]byte, error) {
	obj, gvk, err := c.pb.Decode(body, nil, nil)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding protobuf request body: %v", err))
	}
	obj.GetObjectKind().SetGroupVersionKind(*gvk)
	return json.Marshal(obj)
}

// WriteObject writes obj as JSON with code.
func WriteObject(w http.ResponseWriter, code int, obj any) {
	b, err := json.Marshal(obj)
	if err != nil {
		WriteError(w, apierrors.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// WriteError writes err as a metav1.Status: API status errors keep their
// code and reason, anything else is a 500 InternalError.
func WriteError(w http.ResponseWriter, err error) {
	var as apierrors.APIStatus
	st := apierrors.NewInternalError(err).Status()
	if errors.As(err, &as) {
		st = as.Status()
	}
	st.Kind, st.APIVersion = "Status", "v1"
	if st.Status == "" {
		st.Status = metav1.StatusFailure
	}
	if st.Code == 0 {
		st.Code = http.StatusInternalServerError
	}
	b, _ := json.Marshal(&st)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(int(st.Code))
	_, _ = w.Write(b)
}
