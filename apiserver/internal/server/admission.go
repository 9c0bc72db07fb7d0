package server

import (
	"context"

	"github.com/wharfhq/wharf/proto/api"
)

// Operation is the kind of write admission sees.
type Operation string

// Operations.
const (
	OpCreate Operation = "CREATE"
	OpUpdate Operation = "UPDATE"
)

// Admission sees writes before they are stored and deletions after.
type Admission interface {
	// Admit runs after validation, right before obj is stored (old is nil
	// on create). It may change obj (e.g. assign a ClusterIP) or refuse
	// the write with an error. finish, if not nil, is called once with
	// whether the write was stored.
	Admit(ctx context.Context, op Operation, info *api.Info, obj, old api.Object) (finish func(ctx context.Context, stored bool), err error)
	// Deleted runs after obj was removed from storage.
	Deleted(ctx context.Context, info *api.Info, obj api.Object)
}

func (s *Server) admit(ctx context.Context, op Operation, info *api.Info, obj, old api.Object) (func(context.Context, bool), error) {
	if s.cfg.Admission == nil {
		return func(context.Context, bool) {}, nil
	}
	finish, err := s.cfg.Admission.Admit(ctx, op, info, obj, old)
	if err != nil {
		return nil, err
	}
	if finish == nil {
		finish = func(context.Context, bool) {}
	}
	return finish, nil
}
