package leaderelection

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// record is the election state kept in a Lease's spec.
type record struct {
	holder        string
	leaseDuration time.Duration
	acquireTime   time.Time
	renewTime     time.Time
	transitions   int32
}

// recordOf reads the election fields of l; missing fields are zero.
func recordOf(l *coordinationv1.Lease) record {
	var r record
	s := l.Spec
	if s.HolderIdentity != nil {
		r.holder = *s.HolderIdentity
	}
	if s.LeaseDurationSeconds != nil {
		r.leaseDuration = time.Duration(*s.LeaseDurationSeconds) * time.Second
	}
	if s.AcquireTime != nil {
		r.acquireTime = s.AcquireTime.Time
	}
	if s.RenewTime != nil {
		r.renewTime = s.RenewTime.Time
	}
	if s.LeaseTransitions != nil {
		r.transitions = *s.LeaseTransitions
	}
	return r
}

// equal reports whether two records are the same state.
func (r record) equal(o record) bool {
	return r.holder == o.holder && r.leaseDuration == o.leaseDuration &&
		r.acquireTime.Equal(o.acquireTime) && r.renewTime.Equal(o.renewTime) &&
		r.transitions == o.transitions
}

// apply writes r into l's spec, leaving l's other fields alone.
func (r record) apply(l *coordinationv1.Lease) {
	holder := r.holder
	secs := int32(r.leaseDuration / time.Second)
	acquire := metav1.NewMicroTime(r.acquireTime)
	renew := metav1.NewMicroTime(r.renewTime)
	transitions := r.transitions
	l.Spec.HolderIdentity = &holder
	l.Spec.LeaseDurationSeconds = &secs
	l.Spec.AcquireTime = &acquire
	l.Spec.RenewTime = &renew
	l.Spec.LeaseTransitions = &transitions
}
