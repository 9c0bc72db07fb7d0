package api

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Object is any top-level API object: it has ObjectMeta and a TypeMeta.
// Every pointer to a k8s.io/api struct with ObjectMeta satisfies it.
type Object interface {
	metav1.Object
	runtime.Object
}

// ListObject is a list of objects (PodList, ServiceList...).
type ListObject interface {
	metav1.ListInterface
	runtime.Object
}

// GroupVersion returns the apiVersion string of a resource ("v1", "apps/v1").
func (i *Info) GroupVersion() schema.GroupVersion {
	return schema.GroupVersion{Group: i.Group, Version: i.Version}
}

// GVR is the resource's group, version and plural name.
func (i *Info) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: i.Group, Version: i.Version, Resource: i.Resource}
}

// GVK is the resource's group, version and kind.
func (i *Info) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: i.Group, Version: i.Version, Kind: i.Kind}
}

// APIVersion is the value of "apiVersion" for this resource's objects.
func (i *Info) APIVersion() string { return i.GroupVersion().String() }

// HasSubresource reports whether the resource serves the named subresource.
func (i *Info) HasSubresource(name string) bool {
	for _, s := range i.Subresources {
		if s == name {
			return true
		}
	}
	return false
}

// NewObject returns a new empty object of the resource's kind with its
// TypeMeta filled in.
func (i *Info) NewObject() Object {
	o := i.New()
	o.GetObjectKind().SetGroupVersionKind(i.GVK())
	return o
}

// NewListObject returns a new empty list of the resource with TypeMeta set.
func (i *Info) NewListObject() ListObject {
	l := i.NewList()
	l.GetObjectKind().SetGroupVersionKind(i.GroupVersion().WithKind(i.Kind + "List"))
	return l
}
