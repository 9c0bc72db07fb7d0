package images

import (
	"context"
	"fmt"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Push uploads img to a registry as ref ("127.0.0.1:5000/tools:v1"),
// over plain HTTP when insecure is set (a local test registry).
func Push(ctx context.Context, ref string, img v1.Image, insecure bool) error {
	return PushAuth(ctx, ref, img, insecure, "", "")
}

// PushAuth is Push with HTTP basic credentials (none when user is empty).
func PushAuth(ctx context.Context, ref string, img v1.Image, insecure bool, user, pass string) error {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	ropts := []remote.Option{remote.WithContext(ctx)}
	if user != "" {
		ropts = append(ropts, remote.WithAuth(&authn.Basic{Username: user, Password: pass}))
	}
	if err := remote.Write(r, img, ropts...); err != nil {
		return fmt.Errorf("images: push %s: %w", ref, err)
	}
	return nil
}
