package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     *NetConf
		wantErr  string
	}{
		{name: "upstream default", in: `{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}`,
			want: &NetConf{Network: netip.MustParsePrefix("10.244.0.0/16"), SubnetLen: 24, Backend: "vxlan", VNI: 1, Port: 8472}},
		{name: "all fields", in: `{"Network":"10.10.0.0/16","SubnetLen":26,"Backend":{"Type":"VXLAN","VNI":42,"Port":4789}}`,
			want: &NetConf{Network: netip.MustParsePrefix("10.10.0.0/16"), SubnetLen: 26, Backend: "vxlan", VNI: 42, Port: 4789}},
		{name: "no backend", in: `{"Network":"10.244.1.7/16"}`,
			want: &NetConf{Network: netip.MustParsePrefix("10.244.0.0/16"), SubnetLen: 24, Backend: "vxlan", VNI: 1, Port: 8472}},
		{name: "bad json", in: `{`, wantErr: "net-conf.json"},
		{name: "no network", in: `{}`, wantErr: "Network is required"},
		{name: "bad network", in: `{"Network":"10.244.0.0"}`, wantErr: "Network"},
		{name: "ipv6", in: `{"Network":"fd00::/48"}`, wantErr: "only IPv4"},
		{name: "subnet too big", in: `{"Network":"10.244.0.0/16","SubnetLen":16}`, wantErr: "SubnetLen"},
		{name: "other backend", in: `{"Network":"10.244.0.0/16","Backend":{"Type":"host-gw"}}`, wantErr: "not supported"},
		{name: "bad vni", in: `{"Network":"10.244.0.0/16","Backend":{"VNI":16777216}}`, wantErr: "VNI"},
		{name: "bad port", in: `{"Network":"10.244.0.0/16","Backend":{"Port":70000}}`, wantErr: "Port"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse(%s) error = %v, want containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%s): %v", tc.in, err)
			}
			if *got != *tc.want {
				t.Fatalf("Parse(%s) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestFromConfigMapAndFile(t *testing.T) {
	cm := &corev1.ConfigMap{Data: map[string]string{ConfigMapKey: `{"Network":"10.244.0.0/16"}`}}
	if nc, err := FromConfigMap(cm); err != nil || nc.Network.String() != "10.244.0.0/16" {
		t.Fatalf("FromConfigMap = %+v, %v", nc, err)
	}
	if _, err := FromConfigMap(&corev1.ConfigMap{}); err == nil {
		t.Fatal("FromConfigMap without key: want error")
	}
	path := filepath.Join(t.TempDir(), "net-conf.json")
	if err := os.WriteFile(path, []byte(`{"Network":"10.1.0.0/16","Backend":{"VNI":7}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if nc, err := FromFile(path); err != nil || nc.VNI != 7 {
		t.Fatalf("FromFile = %+v, %v", nc, err)
	}
	if _, err := FromFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("FromFile missing: want error")
	}
}
