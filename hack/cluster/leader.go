package cluster

import (
	"context"
	"errors"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/wharfhq/wharf/proto/client"
)

// LeaderOf returns the control-plane member holding Lease kube-system/name
// (kube-scheduler, kube-controller-manager). Members run in UTS
// namespaces named after themselves and the components' identities start
// with the hostname, so the member is the identity up to its first "_".
func LeaderOf(ctx context.Context, cl *client.Client, name string) (string, error) {
	l, err := client.Leases(cl, "kube-system").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity == "" {
		return "", errors.New("no holder")
	}
	member, _, _ := strings.Cut(*l.Spec.HolderIdentity, "_")
	return member, nil
}
