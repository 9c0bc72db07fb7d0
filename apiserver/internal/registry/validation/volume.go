package validation

import (
	"path"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	isNegativeErrorMsg   = "must be greater than or equal to 0"
	isNotIntegerErrorMsg = "must be an integer"
	fileModeErrorMsg     = "must be a number between 0 and 0777 (octal), both inclusive"
	maxFileMode          = 0o777
)

// volumes validates pod volumes and returns the set of their names.
func volumes(vs []corev1.Volume, fldPath *field.Path) (sets.Set[string], field.ErrorList) {
	var errs field.ErrorList
	names := sets.New[string]()
	for i := range vs {
		v := &vs[i]
		p := fldPath.Index(i)
		errs = append(errs, volumeSource(&v.VolumeSource, p)...)
		errs = append(errs, dnsLabel(v.Name, p.Child("name"))...)
		if names.Has(v.Name) {
			errs = append(errs, field.Duplicate(p.Child("name"), v.Name))
		}
		if v.Name != "" {
			names.Insert(v.Name)
		}
	}
	return names, errs
}

// volumeSource checks that exactly one source is set and the basics of
// the common ones.
func volumeSource(s *corev1.VolumeSource, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	set := setSources(s)
	switch {
	case len(set) == 0:
		return field.ErrorList{field.Required(fldPath, "must specify a volume type")}
	case len(set) > 1:
		errs = append(errs, field.Forbidden(fldPath.Child(set[1]), "may not specify more than 1 volume type"))
	}
	if s.HostPath != nil && s.HostPath.Path == "" {
		errs = append(errs, field.Required(fldPath.Child("hostPath", "path"), ""))
	}
	if s.Secret != nil {
		if s.Secret.SecretName == "" {
			errs = append(errs, field.Required(fldPath.Child("secret", "secretName"), ""))
		}
		errs = append(errs, fileMode(s.Secret.DefaultMode, fldPath.Child("secret", "defaultMode"))...)
	}
	if s.ConfigMap != nil {
		if s.ConfigMap.Name == "" {
			errs = append(errs, field.Required(fldPath.Child("configMap", "name"), ""))
		}
		errs = append(errs, fileMode(s.ConfigMap.DefaultMode, fldPath.Child("configMap", "defaultMode"))...)
	}
	if s.PersistentVolumeClaim != nil && s.PersistentVolumeClaim.ClaimName == "" {
		errs = append(errs, field.Required(fldPath.Child("persistentVolumeClaim", "claimName"), ""))
	}
	if s.EmptyDir != nil && s.EmptyDir.SizeLimit != nil && s.EmptyDir.SizeLimit.Sign() < 0 {
		errs = append(errs, field.Invalid(fldPath.Child("emptyDir", "sizeLimit"), s.EmptyDir.SizeLimit.String(), isNegativeErrorMsg))
	}
	return errs
}

// setSources returns the JSON names of the non-nil sources, in field order.
func setSources(s *corev1.VolumeSource) []string {
	var out []string
	v := reflect.ValueOf(s).Elem()
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
	}
	return out
}

func fileMode(m *int32, fldPath *field.Path) field.ErrorList {
	if m != nil && (*m < 0 || *m > maxFileMode) {
		return field.ErrorList{field.Invalid(fldPath, *m, fileModeErrorMsg)}
	}
	return nil
}

// localDescendingPath rejects absolute paths and paths with "..".
func localDescendingPath(p string, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(p) {
		errs = append(errs, field.Invalid(fldPath, p, "must be a relative path"))
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(fldPath, p, "must not contain '..'"))
			break
		}
	}
	return errs
}

// quantity checks a resource quantity is non-negative, and whole for
// resources counted in integers (extended resources).
func quantity(name corev1.ResourceName, q resource.Quantity, fldPath *field.Path) field.ErrorList {
	if q.Sign() < 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), isNegativeErrorMsg)}
	}
	if integerResource(name) && q.MilliValue()%1000 != 0 {
		return field.ErrorList{field.Invalid(fldPath, q.String(), isNotIntegerErrorMsg)}
	}
	return nil
}

func integerResource(name corev1.ResourceName) bool {
	s := string(name)
	return strings.Contains(s, "/") && !strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) &&
		!strings.HasPrefix(s, corev1.ResourceRequestsHugePagesPrefix)
}

// resourceList validates names and quantities of a ResourceList (quota,
// limit range, capacity).
func resourceList(l corev1.ResourceList, fldPath *field.Path) field.ErrorList {
	var errs field.ErrorList
	for name, q := range l {
		p := fldPath.Key(string(name))
		for _, msg := range validation.IsQualifiedName(string(name)) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
		errs = append(errs, quantity(name, q, p)...)
	}
	return errs
}
