package serviceaccount

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMissing(t *testing.T) {
	now := metav1.Now()
	active := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	terminating := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t", DeletionTimestamp: &now}}
	def := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "a"}}
	tests := []struct {
		name string
		ns   *corev1.Namespace
		have []*corev1.ServiceAccount
		want int
	}{
		{"active without default", active, nil, 1},
		{"active with default", active, []*corev1.ServiceAccount{def}, 0},
		{"terminating", terminating, nil, 0},
	}
	for _, tt := range tests {
		got := Missing(tt.ns, tt.have, []string{"default"})
		if len(got) != tt.want {
			t.Errorf("%s: %d missing, want %d", tt.name, len(got), tt.want)
		}
		for _, sa := range got {
			if sa.Name != "default" || sa.Namespace != tt.ns.Name {
				t.Errorf("%s: got %s/%s", tt.name, sa.Namespace, sa.Name)
			}
		}
	}
}
