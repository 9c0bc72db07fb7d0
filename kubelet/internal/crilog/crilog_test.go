package crilog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func clock() func() time.Time {
	t := time.Date(2016, 10, 6, 0, 17, 9, 669794202, time.UTC)
	return func() time.Time { t = t.Add(time.Second); return t }
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c", "0.log")
	lf, err := Open(path, Options{Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	out, errw := lf.Stream("stdout"), lf.Stream("stderr")
	out.Write([]byte("hello\r\nwor"))
	errw.Write([]byte("oops\n"))
	out.Write([]byte("ld\n" + strings.Repeat("x", MaxLineSize+3) + "\n" + "tail"))
	out.Close()
	errw.Close()
	if err := lf.Close(); err != nil {
		t.Fatal(err)
	}
	got := lines(t, path)
	want := []string{
		"2016-10-06T00:17:10.669794202Z stdout F hello",
		"2016-10-06T00:17:11.669794202Z stderr F oops",
		"2016-10-06T00:17:12.669794202Z stdout F world",
		"2016-10-06T00:17:13.669794202Z stdout P " + strings.Repeat("x", MaxLineSize),
		"2016-10-06T00:17:14.669794202Z stdout F xxx",
		"2016-10-06T00:17:15.669794202Z stdout P tail",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %.80q, want %.80q", i, got[i], want[i])
		}
	}
}

func TestLongLineWithoutNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "0.log")
	lf, _ := Open(path, Options{Now: clock()})
	w := lf.Stream("stdout")
	for range 3 {
		w.Write([]byte(strings.Repeat("y", MaxLineSize/2+1)))
	}
	w.Write([]byte("\n"))
	lf.Close()
	got := lines(t, path)
	if len(got) != 2 || !strings.Contains(got[0], " P ") || !strings.HasSuffix(got[1], " F "+strings.Repeat("y", 3*(MaxLineSize/2+1)-MaxLineSize)) {
		t.Errorf("got %.120q", got)
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "0.log")
	lf, err := Open(path, Options{MaxSize: 200, MaxFiles: 3, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	w := lf.Stream("stdout")
	for i := range 40 {
		w.Write([]byte(strings.Repeat("z", 10) + string(rune('a'+i%26)) + "\n"))
	}
	if err := lf.Close(); err != nil {
		t.Fatal(err)
	}
	rot, err := Rotated(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rot) != 2 {
		t.Fatalf("rotated files %v, want 2 (MaxFiles 3)", rot)
	}
	if filepath.Base(rot[0]) != "0.log.20260101-000000.3" && !strings.HasPrefix(filepath.Base(rot[0]), "0.log.20260101-000000") {
		t.Errorf("rotated name %s", rot[0])
	}
	all := append(append([]string{}, rot...), path)
	var total []string
	for _, p := range all {
		st, _ := os.Stat(p)
		if st.Size() > 200 {
			t.Errorf("%s is %d bytes, over MaxSize", p, st.Size())
		}
		total = append(total, lines(t, p)...)
	}
	if last := total[len(total)-1]; !strings.HasSuffix(last, "zzzzzzzzzzn") {
		t.Errorf("last line %q", last)
	}
	for i := 1; i < len(total); i++ {
		a, b := total[i-1][len(total[i-1])-1], total[i][len(total[i])-1]
		if b != a+1 && !(a == 'z' && b == 'a') {
			t.Errorf("lines out of order or lost across rotation: %q then %q", total[i-1], total[i])
		}
	}
	os.WriteFile(path+".notes", nil, 0o644)
	if again, _ := Rotated(path); len(again) != 2 {
		t.Errorf("foreign file listed: %v", again)
	}
}
