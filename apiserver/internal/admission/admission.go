package admission

import (
	"context"

	"github.com/wharfhq/wharf/proto/api"
)

// Operation is CREATE or UPDATE.
type Operation string

// Operations.
const (
	Create Operation = "CREATE"
	Update Operation = "UPDATE"
)

// Attributes describe one write.
type Attributes struct {
	Op   Operation
	Info *api.Info
	Obj  api.Object
	Old  api.Object // nil on create
}

// Finish is called once with whether the write was stored.
type Finish func(ctx context.Context, stored bool)

// Plugin admits or refuses a write, possibly changing a.Obj.
type Plugin interface {
	Admit(ctx context.Context, a Attributes) (Finish, error)
}

// Lister lists the objects of a resource in a namespace. Returned objects
// are shared and must not be modified.
type Lister interface {
	List(ctx context.Context, info *api.Info, namespace string) ([]api.Object, error)
}

// Chain runs plugins in order; if one refuses, the finish callbacks of
// those before it run with stored=false.
type Chain []Plugin

// Admit implements Plugin.
func (c Chain) Admit(ctx context.Context, a Attributes) (Finish, error) {
	var done []Finish
	all := func(ctx context.Context, stored bool) {
		for i := len(done) - 1; i >= 0; i-- {
			done[i](ctx, stored)
		}
	}
	for _, p := range c {
		f, err := p.Admit(ctx, a)
		if err != nil {
			all(ctx, false)
			return nil, err
		}
		if f != nil {
			done = append(done, f)
		}
	}
	return all, nil
}

func lookup(resource string) *api.Info {
	for _, i := range api.All() {
		if i.Resource == resource {
			return i
		}
	}
	return nil
}
