package staticpods

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// maxManifestSize bounds what one file may hold.
const maxManifestSize = 10 << 20

// Config configures Watch.
type Config struct {
	// Dir holds the manifests (--pod-manifest-path).
	Dir      string
	NodeName string
	// Period is the rescan interval (--file-check-frequency, default 20s).
	Period time.Duration
	Log    *slog.Logger
}

// Watch scans cfg.Dir at once, whenever fsnotify reports a change and
// every Period, and calls emit with the full set of static pods each time
// the set changed (and after the first scan, even when empty). It returns
// when ctx ends. A missing directory is an empty set.
func Watch(ctx context.Context, cfg Config, emit func([]*corev1.Pod)) {
	if cfg.Period <= 0 {
		cfg.Period = 20 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &scanner{cfg: cfg, seen: map[types.UID]time.Time{}, errs: map[string]string{}}
	events := s.notify(ctx)
	tick := time.NewTicker(cfg.Period)
	defer tick.Stop()
	last := ""
	for first := true; ; first = false {
		pods := s.scan(ctx, time.Now())
		if key := setKey(pods); first || key != last {
			last = key
			emit(pods)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-events:
			time.Sleep(100 * time.Millisecond) // let a writer finish
			drain(events)
		}
	}
}

// scanner is Watch's state; only Watch's goroutine uses it.
type scanner struct {
	cfg  Config
	seen map[types.UID]time.Time // first sight of each pod, for config.seen
	errs map[string]string       // last error logged per file
}

// notify watches the directory with fsnotify if it can; without it the
// periodic scan still works.
func (s *scanner) notify(ctx context.Context) <-chan struct{} {
	out := make(chan struct{}, 1)
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(s.cfg.Dir)
	}
	if err != nil {
		s.cfg.Log.InfoContext(ctx, "static pods: no file notifications, scanning periodically", "dir", s.cfg.Dir, "err", err)
		if w != nil {
			w.Close()
		}
		return out
	}
	go func() {
		defer w.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-w.Events:
				if !ok {
					return
				}
				select {
				case out <- struct{}{}:
				default:
				}
			case _, ok := <-w.Errors:
				if !ok {
					return
				}
			}
		}
	}()
	return out
}

// scan reads every manifest of the directory; bad ones are logged (once
// per distinct error) and left out.
func (s *scanner) scan(ctx context.Context, now time.Time) []*corev1.Pod {
	entries, err := os.ReadDir(s.cfg.Dir)
	if err != nil {
		s.logOnce(ctx, s.cfg.Dir, err)
		return nil
	}
	var pods []*corev1.Pod
	names := map[string]string{}
	live := map[types.UID]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !isManifest(name) {
			continue
		}
		path := filepath.Join(s.cfg.Dir, name)
		pod, err := readManifest(path, s.cfg.NodeName, now)
		if err == nil && names[pod.Namespace+"/"+pod.Name] != "" {
			err = fmt.Errorf("pod %s/%s is already defined by %s", pod.Namespace, pod.Name, names[pod.Namespace+"/"+pod.Name])
		}
		if err != nil {
			s.logOnce(ctx, path, err)
			continue
		}
		delete(s.errs, path)
		names[pod.Namespace+"/"+pod.Name] = name
		if t, ok := s.seen[pod.UID]; ok {
			pod.Annotations[AnnotationSeen] = t.Format(time.RFC3339Nano)
		} else {
			s.seen[pod.UID] = now
		}
		live[pod.UID] = true
		pods = append(pods, pod)
	}
	for uid := range s.seen {
		if !live[uid] {
			delete(s.seen, uid)
		}
	}
	return pods
}

func (s *scanner) logOnce(ctx context.Context, path string, err error) {
	if os.IsNotExist(err) && path == s.cfg.Dir {
		err = fmt.Errorf("directory does not exist (no static pods)")
	}
	if s.errs[path] == err.Error() {
		return
	}
	s.errs[path] = err.Error()
	s.cfg.Log.ErrorContext(ctx, "static pods: skipping manifest", "path", path, "err", err)
}

func readManifest(path, node string, now time.Time) (*corev1.Pod, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxManifestSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifestSize {
		return nil, fmt.Errorf("manifest larger than %d bytes", maxManifestSize)
	}
	return Parse(data, path, node, now)
}

func isManifest(name string) bool {
	switch filepath.Ext(name) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// setKey identifies a set of pods: their UIDs change with any edit.
func setKey(pods []*corev1.Pod) string {
	uids := make([]string, len(pods))
	for i, p := range pods {
		uids[i] = string(p.UID)
	}
	slices.Sort(uids)
	return strings.Join(uids, ",")
}

func drain(c <-chan struct{}) {
	select {
	case <-c:
	default:
	}
}
