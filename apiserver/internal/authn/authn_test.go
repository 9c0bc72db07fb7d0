package authn

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestTokenFile(t *testing.T) {
	tf, err := ParseTokens(strings.NewReader("# comment\nabc,alice,1,\"g1,g2\"\ndef,bob,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer abc")
	u, ok, err := Union{tf}.Authenticate(r)
	if err != nil || !ok || u.Name != "alice" || strings.Join(u.Groups, ",") != "g1,g2,system:authenticated" {
		t.Fatalf("got %+v %v %v", u, ok, err)
	}
	r.Header.Set("Authorization", "Bearer nope")
	if _, ok, _ := tf.Authenticate(r); ok {
		t.Error("unknown token accepted")
	}
	for _, bad := range []string{"onlytoken\n", "tok,,uid\n", "a,\"b\n"} {
		if _, err := ParseTokens(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseTokens(%q) succeeded", bad)
		}
	}
}
