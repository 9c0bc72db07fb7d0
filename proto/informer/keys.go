package informer

import (
	"reflect"
	"strings"

	"github.com/wharfhq/wharf/proto/api"
)

// KeyOf returns obj's cache key: "namespace/name", or "name" for
// cluster-scoped objects (client-go's MetaNamespaceKeyFunc).
func KeyOf(obj api.Object) string {
	if ns := obj.GetNamespace(); ns != "" {
		return ns + "/" + obj.GetName()
	}
	return obj.GetName()
}

// SplitKey is the inverse of KeyOf: "ns/name" gives (ns, name) and "name"
// gives ("", name). Namespaces never contain "/", so a key is split at its
// first slash.
func SplitKey(key string) (namespace, name string) {
	if ns, n, ok := strings.Cut(key, "/"); ok {
		return ns, n
	}
	return "", key
}

// isNil reports whether obj is nil or a typed nil pointer, which a broken
// server or fake could hand us and which would panic on GetName.
func isNil(obj any) bool {
	if obj == nil {
		return true
	}
	v := reflect.ValueOf(obj)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return v.IsNil()
	}
	return false
}
