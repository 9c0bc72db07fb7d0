// Package codec turns API objects into the bytes kept in etcd and back.
//
// Objects are stored as their upstream JSON with metadata.resourceVersion
// cleared: the resourceVersion of a stored object is always the etcd mod
// revision of its key, set when the object is read.
package codec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/wharfhq/wharf/apiserver/internal/storage"
	"github.com/wharfhq/wharf/proto/api"
)

// Encode returns the stored form of obj. It clears and then restores
// obj's resourceVersion, so obj is unchanged when Encode returns; obj must
// not be shared with other goroutines while Encode runs.
func Encode(info *api.Info, obj api.Object) ([]byte, error) {
	rv := obj.GetResourceVersion()
	obj.SetResourceVersion("")
	obj.GetObjectKind().SetGroupVersionKind(info.GVK())
	b, err := json.Marshal(obj)
	obj.SetResourceVersion(rv)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s/%s: %w", info.Kind, obj.GetNamespace(), obj.GetName(), err)
	}
	return b, nil
}

// Decode parses a stored value into a new object of info's kind, with
// apiVersion, kind and resourceVersion (= kv.ModRevision) set.
func Decode(info *api.Info, kv storage.KV) (api.Object, error) {
	obj := info.New()
	if err := json.Unmarshal(kv.Value, obj); err != nil {
		return nil, fmt.Errorf("decode %s at %s: %w", info.Kind, kv.Key, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(info.GVK())
	obj.SetResourceVersion(strconv.FormatInt(kv.ModRevision, 10))
	return obj, nil
}

// Key returns the etcd key of an object: /registry/<resource>/<ns>/<name>
// for namespaced resources, /registry/<resource>/<name> otherwise.
func Key(info *api.Info, namespace, name string) string {
	if info.Namespaced {
		return "/registry/" + info.Resource + "/" + namespace + "/" + name
	}
	return "/registry/" + info.Resource + "/" + name
}

// Prefix returns the key prefix of all objects of a resource in namespace
// (all namespaces when namespace is empty). It ends with "/".
func Prefix(info *api.Info, namespace string) string {
	if info.Namespaced && namespace != "" {
		return "/registry/" + info.Resource + "/" + namespace + "/"
	}
	return "/registry/" + info.Resource + "/"
}

var metadataOpen = []byte(`"metadata":{`)

// WithResourceVersion returns stored (an object's JSON as Encode wrote it,
// so without resourceVersion) with metadata.resourceVersion = rev, or nil
// if stored does not have the expected shape. stored is not modified.
func WithResourceVersion(stored []byte, rev int64) []byte {
	i := bytes.Index(stored, metadataOpen)
	if i < 0 {
		return nil
	}
	i += len(metadataOpen)
	var num [20]byte
	rv := strconv.AppendInt(num[:0], rev, 10)
	out := make([]byte, 0, len(stored)+len(rv)+22)
	out = append(out, stored[:i]...)
	out = append(out, `"resourceVersion":"`...)
	out = append(out, rv...)
	out = append(out, '"')
	if i < len(stored) && stored[i] != '}' {
		out = append(out, ',')
	}
	return append(out, stored[i:]...)
}
