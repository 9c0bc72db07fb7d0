package server

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
)

// protobufMediaType is what client-go sends for built-in types.
const protobufMediaType = "application/vnd.kubernetes.protobuf"

// protobufDecoder decodes Kubernetes' protobuf envelope ("k8s\0" +
// runtime.Unknown) into the typed k8s.io/api structs, which the rest of
// the server then handles as JSON. Responses stay JSON: clients decode by
// the response's Content-Type.
type protobufDecoder struct {
	serializer *protobuf.Serializer
}

func newProtobufDecoder() (*protobufDecoder, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, discoveryv1.AddToScheme,
		coordinationv1.AddToScheme, rbacv1.AddToScheme, autoscalingv1.AddToScheme, policyv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("building the protobuf scheme: %w", err)
		}
	}
	return &protobufDecoder{serializer: protobuf.NewSerializer(scheme, scheme)}, nil
}

// toJSON decodes a protobuf body and re-encodes it as JSON with its
// apiVersion and kind.
func (d *protobufDecoder) toJSON(body []byte) ([]byte, error) {
	obj, gvk, err := d.serializer.Decode(body, nil, nil)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding protobuf request body: %v", err))
	}
	obj.GetObjectKind().SetGroupVersionKind(*gvk)
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("error re-encoding protobuf request body: %v", err))
	}
	return b, nil
}
