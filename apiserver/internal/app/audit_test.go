package app

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestAuditLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	e := startSecure(t, func(o *Options) { o.AuditLogPath = path })
	e.do(e.client(nil, ""), "GET", "/api/v1/pods", "")
	e.do(e.client(nil, "admin", "system:masters"), "GET", "/api/v1/namespaces/default/pods", "")
	e.do(e.client(nil, "mallory"), "DELETE", "/api/v1/namespaces/default/pods/x", "")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []auditEvent
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var ev auditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		got = append(got, ev)
	}
	want := []auditEvent{
		{User: "", Verb: "list", Resource: "pods", Code: 401},
		{User: "admin", Verb: "list", Resource: "pods", Namespace: "default", Code: 200},
		{User: "mallory", Verb: "delete", Resource: "pods", Namespace: "default", Name: "x", Code: 403},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines: %+v", len(got), got)
	}
	for i, w := range want {
		g := got[i]
		if g.User != w.User || g.Verb != w.Verb || g.Resource != w.Resource || g.Namespace != w.Namespace || g.Name != w.Name || g.Code != w.Code {
			t.Errorf("line %d: %+v, want %+v", i, g, w)
		}
	}
}
