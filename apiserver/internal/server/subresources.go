package server

import (
	"encoding/json"
	"fmt"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/wharfhq/wharf/proto/api"
)

// scalable reports whether the resource serves the scale subresource.
func scalable(info *api.Info) bool {
	switch info.Resource {
	case "deployments", "replicasets", "replicationcontrollers", "statefulsets":
		return true
	}
	return false
}

// replicasOf returns the replica pointer, status replicas and selector of
// a scalable object.
func replicasOf(obj api.Object) (spec **int32, status int32, sel string) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return &o.Spec.Replicas, o.Status.Replicas, labelSelectorString(o.Spec.Selector)
	case *appsv1.ReplicaSet:
		return &o.Spec.Replicas, o.Status.Replicas, labelSelectorString(o.Spec.Selector)
	case *appsv1.StatefulSet:
		return &o.Spec.Replicas, o.Status.Replicas, labelSelectorString(o.Spec.Selector)
	case *corev1.ReplicationController:
		return &o.Spec.Replicas, o.Status.Replicas, labels.SelectorFromSet(o.Spec.Selector).String()
	}
	return nil, 0, ""
}

func labelSelectorString(ls *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return ""
	}
	return sel.String()
}

// toScale is the autoscaling/v1 Scale of a scalable object.
func toScale(obj api.Object) *autoscalingv1.Scale {
	spec, status, sel := replicasOf(obj)
	sc := &autoscalingv1.Scale{
		TypeMeta: metav1.TypeMeta{Kind: "Scale", APIVersion: "autoscaling/v1"},
		ObjectMeta: metav1.ObjectMeta{Name: obj.GetName(), Namespace: obj.GetNamespace(), UID: obj.GetUID(),
			ResourceVersion: obj.GetResourceVersion(), CreationTimestamp: obj.GetCreationTimestamp()},
		Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: sel},
	}
	sc.Spec.Replicas = 1
	if spec != nil && *spec != nil {
		sc.Spec.Replicas = **spec
	}
	return sc
}

func (s *Server) handleScale(w http.ResponseWriter, hr *http.Request, r *request) {
	var sc *autoscalingv1.Scale
	var err error
	switch r.verb {
	case "get":
		var it item
		var o api.Object
		if it, err = s.getItem(hr.Context(), r, hr.URL.Query().Get("resourceVersion")); err == nil {
			if o, err = it.object(r.info); err == nil {
				sc = toScale(o)
			}
		}
	case "update", "patch":
		sc, err = s.updateScale(w, hr, r)
	default:
		err = apierrors.NewMethodNotSupported(schema.GroupResource{Group: r.info.Group, Resource: r.info.Resource + "/scale"}, r.verb)
	}
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	b, err := json.Marshal(sc)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// updateScale handles PUT and PATCH of /scale: the new Scale's
// spec.replicas is written to the object.
func (s *Server) updateScale(w http.ResponseWriter, hr *http.Request, r *request) (*autoscalingv1.Scale, error) {
	body, err := s.readBody(w, hr)
	if err != nil {
		return nil, err
	}
	var p *patcher
	if r.verb == "patch" {
		if p, err = newPatcher(mediaType(hr), body, &autoscalingv1.Scale{}); err != nil {
			return nil, err
		}
	} else if body, err = s.toJSON(mediaType(hr), body); err != nil {
		return nil, err
	}
	dry, err := isDryRun(hr)
	if err != nil {
		return nil, err
	}
	it, err := s.guaranteedUpdate(hr.Context(), r, r.name, updateOpts{dryRun: dry}, func(cur api.Object) (api.Object, error) {
		data := body
		if p != nil {
			doc, _ := json.Marshal(toScale(cur))
			if data, err = p.apply(doc); err != nil {
				return nil, err
			}
		}
		sc := &autoscalingv1.Scale{}
		if err := decodeJSON(data, sc); err != nil {
			return nil, err
		}
		return applyScale(r, cur, sc, p != nil)
	})
	if err != nil {
		return nil, err
	}
	o, err := it.object(r.info)
	if err != nil {
		return nil, err
	}
	return toScale(o), nil
}

// applyScale sets cur's replicas from sc.
func applyScale(r *request, cur api.Object, sc *autoscalingv1.Scale, patched bool) (api.Object, error) {
	if sc.Name != "" && sc.Name != r.name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", sc.Name, r.name))
	}
	if sc.Spec.Replicas < 0 {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: "autoscaling", Kind: "Scale"}, r.name, field.ErrorList{
			field.Invalid(field.NewPath("spec", "replicas"), sc.Spec.Replicas, "must be greater than or equal to 0")})
	}
	rv := cur.GetResourceVersion()
	spec, _, _ := replicasOf(cur)
	n := sc.Spec.Replicas
	*spec = &n
	cur.SetResourceVersion("")
	if sc.ResourceVersion != "" && !(patched && sc.ResourceVersion == rv) {
		cur.SetResourceVersion(sc.ResourceVersion)
	}
	return cur, nil
}

func (s *Server) handleBinding(w http.ResponseWriter, hr *http.Request, r *request) {
	if hr.Method != http.MethodPost {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods/binding"}, r.verb))
		return
	}
	r.verb = "create"
	body, err := s.readBody(w, hr)
	if err == nil {
		body, err = s.toJSON(mediaType(hr), body)
	}
	b := &corev1.Binding{}
	if err == nil {
		err = decodeJSON(body, b)
	}
	if err == nil {
		err = s.bind(hr, r, b)
	}
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	writeSuccess(w, http.StatusCreated, nil)
}

// bind assigns a pod to the node named by b, once.
func (s *Server) bind(hr *http.Request, r *request, b *corev1.Binding) error {
	name := r.name
	if r.bindings {
		name = b.Name
	} else if b.Name != "" && b.Name != name {
		return apierrors.NewBadRequest("name in URL does not match name in Binding")
	}
	if name == "" {
		return apierrors.NewBadRequest("binding name is required")
	}
	if b.Target.Name == "" || (b.Target.Kind != "" && b.Target.Kind != "Node") {
		return apierrors.NewInvalid(schema.GroupKind{Kind: "Binding"}, name, field.ErrorList{
			field.Invalid(field.NewPath("target"), b.Target.Name, "must be a Node with a name")})
	}
	gr := schema.GroupResource{Resource: "pods/binding"}
	_, err := s.guaranteedUpdate(hr.Context(), r, name, updateOpts{raw: true}, func(cur api.Object) (api.Object, error) {
		pod := cur.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			return nil, apierrors.NewConflict(gr, name, fmt.Errorf("pod %v is being deleted, cannot be assigned to a host", name))
		}
		if pod.Spec.NodeName != "" {
			return nil, apierrors.NewConflict(gr, name, fmt.Errorf("pod %v is already assigned to node %q", name, pod.Spec.NodeName))
		}
		if b.UID != "" && b.UID != pod.UID {
			return nil, apierrors.NewConflict(gr, name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", b.UID, pod.UID))
		}
		pod.Spec.NodeName = b.Target.Name
		for k, v := range b.Annotations {
			if pod.Annotations == nil {
				pod.Annotations = map[string]string{}
			}
			pod.Annotations[k] = v
		}
		setPodScheduled(pod)
		pod.ResourceVersion = ""
		return pod, nil
	})
	return err
}

func setPodScheduled(pod *corev1.Pod) {
	cond := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodScheduled {
			pod.Status.Conditions[i] = cond
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, cond)
}

// handleFinalize serves PUT namespaces/<name>/finalize: it replaces
// spec.finalizers; a terminating namespace left without finalizers is
// deleted.
func (s *Server) handleFinalize(w http.ResponseWriter, hr *http.Request, r *request) {
	if r.verb != "update" {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "namespaces/finalize"}, r.verb))
		return
	}
	obj, err := s.decodeObject(w, hr, r)
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	in := obj.(*corev1.Namespace)
	if in.Name != r.name {
		s.writeError(w, hr, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", in.Name, r.name)))
		return
	}
	it, err := s.guaranteedUpdate(hr.Context(), r, r.name, updateOpts{raw: true}, func(cur api.Object) (api.Object, error) {
		ns := cur.(*corev1.Namespace)
		ns.Spec.Finalizers = in.Spec.Finalizers
		ns.ResourceVersion = in.ResourceVersion
		return ns, nil
	})
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	s.writeItem(w, hr, r, http.StatusOK, it)
}

// handleEviction serves POST pods/<name>/eviction (policy/v1 Eviction):
// the pod is deleted with the eviction's DeleteOptions. PodDisruptionBudgets
// are not served, so no eviction is refused for one.
func (s *Server) handleEviction(w http.ResponseWriter, hr *http.Request, r *request) {
	if hr.Method != http.MethodPost {
		s.writeError(w, hr, apierrors.NewMethodNotSupported(schema.GroupResource{Resource: "pods/eviction"}, r.verb))
		return
	}
	body, err := s.readBody(w, hr)
	if err == nil {
		body, err = s.toJSON(mediaType(hr), body)
	}
	ev := &policyv1.Eviction{}
	if err == nil {
		err = decodeJSON(body, ev)
	}
	if err == nil && ev.Name != "" && ev.Name != r.name {
		err = apierrors.NewBadRequest("name in URL does not match name in Eviction object")
	}
	opts := ev.DeleteOptions
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if err == nil {
		_, err = s.deleteObject(hr.Context(), r, r.name, opts)
	}
	if err != nil {
		s.writeError(w, hr, err)
		return
	}
	writeSuccess(w, http.StatusCreated, nil)
}
