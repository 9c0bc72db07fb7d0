package proc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// The command name holds ") " to check the parse starts at the last ')'.
	c, err := ParseStat("42 (a) b) S 1 2 3 4 5 6 7 8 9 10 250 150 30 20 0 0")
	if err != nil {
		t.Fatal(err)
	}
	want := CPUTimes{User: 2500 * time.Millisecond, System: 1500 * time.Millisecond, ChildUser: 300 * time.Millisecond, ChildSystem: 200 * time.Millisecond}
	if c != want || c.Own() != 4*time.Second || c.WithChildren() != 4500*time.Millisecond {
		t.Fatalf("ParseStat = %+v, want %+v", c, want)
	}
	for _, bad := range []string{"42 (x) S 1", "42 x S 1 2 3 4 5 6 7 8 9 10 1 1 1 1", "42 (x) S 1 2 3 4 5 6 7 8 9 10 1 zz 1 1"} {
		if _, err := ParseStat(bad); err == nil {
			t.Errorf("ParseStat(%q) accepted", bad)
		}
	}
}

func TestParseStatus(t *testing.T) {
	m, err := ParseStatus("Name: x\nVmHWM:\t 2048 kB\nVmRSS:\t 1024 kB\n")
	if err != nil || m.RSS != 1<<20 || m.Peak != 2<<20 {
		t.Fatalf("ParseStatus = %+v, %v", m, err)
	}
	for _, bad := range []string{"VmRSS: 1 kB\n", "VmHWM: 1 kB\n", "VmRSS: x kB\nVmHWM: 1 kB\n", ""} {
		if _, err := ParseStatus(bad); err == nil {
			t.Errorf("ParseStatus(%q) accepted", bad)
		}
	}
}

func TestReadSelf(t *testing.T) {
	m, err := ReadMemory(os.Getpid())
	if err != nil || m.RSS <= 0 || m.Peak < m.RSS {
		t.Fatalf("ReadMemory(self) = %+v, %v", m, err)
	}
	if _, err := ReadCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMemory(-1); err == nil {
		t.Error("ReadMemory(-1) did not fail")
	}
	if _, err := ReadCPU(-1); err == nil {
		t.Error("ReadCPU(-1) did not fail")
	}
}

func TestStartStopAndExited(t *testing.T) {
	dir := t.TempDir()
	p, err := Start("sleeper", exec.Command("sleep", "60"), filepath.Join(dir, "s.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(time.Second)
	if err := p.Exited(); err != nil {
		t.Fatalf("running process reported %v", err)
	}
	p.Stop(10 * time.Second)
	if p.Exited() == nil {
		t.Fatal("stopped process not reported as exited")
	}
	p.Stop(time.Second) // a second stop does nothing
	echo, err := Start("echo", exec.Command("echo", "hi"), filepath.Join(dir, "e.log"))
	if err != nil {
		t.Fatal(err)
	}
	<-echo.Done()
	if b, _ := os.ReadFile(echo.Log); string(b) != "hi\n" {
		t.Errorf("log %q", b)
	}
	again, err := StartAppend("echo", exec.Command("echo", "again"), echo.Log)
	if err != nil {
		t.Fatal(err)
	}
	<-again.Done()
	if b, _ := os.ReadFile(echo.Log); string(b) != "hi\nagain\n" {
		t.Errorf("appended log %q", b)
	}
	if err := again.Exited(); err == nil || !strings.Contains(err.Error(), echo.Log) {
		t.Errorf("Exited = %v, want an error naming the log", err)
	}
	if _, err := Start("x", exec.Command(filepath.Join(dir, "nonexistent")), filepath.Join(dir, "x.log")); err == nil {
		t.Error("start of a missing binary did not fail")
	}
	var nilp *Process
	nilp.Stop(time.Second)
}

func TestWaitHTTP(t *testing.T) {
	ready := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		select {
		case <-ready:
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	p, err := Start("sleeper", exec.Command("sleep", "60"), filepath.Join(dir, "s.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop(time.Second)
	ctx := context.Background()
	if err := WaitHTTP(ctx, p, srv.URL, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitHTTP on a 503 = %v, want a deadline error", err)
	}
	close(ready)
	if err := WaitHTTP(ctx, p, srv.URL, time.Minute); err != nil {
		t.Fatal(err)
	}
	dead, err := Start("false", exec.Command("false"), filepath.Join(dir, "f.log"))
	if err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if err := WaitHTTP(ctx, dead, fmt.Sprintf("http://127.0.0.1:%d/", port), time.Minute); err == nil {
		t.Fatal("WaitHTTP on an ended process succeeded")
	}
}

func TestSleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
}
