package network

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// CreateNetNS creates a new network namespace kept alive by a bind mount
// on path (like `ip netns add`, at any path). It fails if path exists.
func CreateNetNS(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("network: netns dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("network: netns file: %w", err)
	}
	f.Close()
	errC := make(chan error, 1)
	go func() {
		// The thread is never unlocked: it ends up in the new namespace,
		// so the runtime discards it when this goroutine returns.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errC <- fmt.Errorf("network: unshare: %w", err)
			return
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
			errC <- fmt.Errorf("network: bind netns to %s: %w", path, err)
			return
		}
		errC <- nil
	}()
	if err := <-errC; err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// DeleteNetNS unmounts and removes a namespace file made by CreateNetNS.
// A missing file is not an error. Interfaces inside (the pod's veth end)
// disappear with the namespace once nothing else holds it.
func DeleteNetNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("network: unmount %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("network: remove %s: %w", path, err)
	}
	return nil
}

// IsNetNS reports whether path is a mounted network namespace.
func IsNetNS(path string) bool {
	h, err := netns.GetFromPath(path)
	if err != nil {
		return false
	}
	defer h.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(h), &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// Do runs fn on an OS thread switched into the namespace at path. Sockets
// fn creates belong to that namespace; fn must not start goroutines that
// expect to inherit it.
func Do(path string, fn func() error) error {
	target, err := netns.GetFromPath(path)
	if err != nil {
		return fmt.Errorf("network: open netns %s: %w", path, err)
	}
	defer target.Close()
	errC := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errC <- fmt.Errorf("network: current netns: %w", err)
			return
		}
		defer orig.Close()
		if err := netns.Set(target); err != nil {
			errC <- fmt.Errorf("network: enter netns %s: %w", path, err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err != nil {
			// Leave the thread locked: it dies with this goroutine.
			errC <- errors.Join(ferr, fmt.Errorf("network: restore netns: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errC <- ferr
	}()
	return <-errC
}
