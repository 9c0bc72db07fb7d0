package overlay

import (
	"net"
	"net/netip"
	"reflect"
	"testing"
)

func mac(s string) net.HardwareAddr {
	m, err := net.ParseMAC(s)
	if err != nil {
		panic(err)
	}
	return m
}

func peer(name, subnet, ip, m string) Peer {
	p := Peer{Name: name}
	if subnet != "" {
		p.Subnet = netip.MustParsePrefix(subnet)
	}
	if ip != "" {
		p.PublicIP = netip.MustParseAddr(ip)
	}
	if m != "" {
		p.VtepMAC = mac(m)
	}
	return p
}

func TestRender(t *testing.T) {
	self := Self{Name: "a", Subnet: netip.MustParsePrefix("10.244.1.0/24")}
	network := netip.MustParsePrefix("10.244.0.0/16")
	b := peer("b", "10.244.2.0/24", "192.168.0.2", "0a:00:00:00:00:02")
	c := peer("c", "10.244.3.0/24", "192.168.0.3", "0a:00:00:00:00:03")
	entries := func(ps ...Peer) Desired {
		var d Desired
		for _, p := range ps {
			gw := p.Subnet.Addr()
			d.Routes = append(d.Routes, Route{p.Subnet, gw})
			d.Neighbors = append(d.Neighbors, Neighbor{gw, p.VtepMAC.String()})
			d.FDB = append(d.FDB, FDBEntry{p.VtepMAC.String(), p.PublicIP})
		}
		return d
	}
	tests := []struct {
		name        string
		peers       []Peer
		want        Desired
		wantSkipped []string
	}{
		{name: "none", want: Desired{}},
		{name: "only self", peers: []Peer{peer("a", "10.244.1.0/24", "192.168.0.1", "0a:00:00:00:00:01")}},
		{name: "two peers sorted", peers: []Peer{c, b}, want: entries(b, c)},
		{name: "unusable peers", peers: []Peer{b,
			peer("nosubnet", "", "192.168.0.9", "0a:00:00:00:00:09"),
			peer("outside", "10.9.0.0/24", "192.168.0.9", "0a:00:00:00:00:09"),
			peer("overlap", "10.244.1.0/25", "192.168.0.9", "0a:00:00:00:00:09"),
			peer("noip", "10.244.9.0/24", "", "0a:00:00:00:00:09"),
			peer("nomac", "10.244.9.0/24", "192.168.0.9", ""),
			peer("zeromac", "10.244.9.0/24", "192.168.0.9", "00:00:00:00:00:00"),
			peer("v6", "fd00::/64", "192.168.0.9", "0a:00:00:00:00:09"),
		}, want: entries(b), wantSkipped: []string{"noip", "nomac", "nosubnet", "outside", "overlap", "v6", "zeromac"}},
		{name: "duplicates: first by name wins", peers: []Peer{
			peer("z-dupsubnet", "10.244.2.0/24", "192.168.0.8", "0a:00:00:00:00:08"),
			peer("y-dupmac", "10.244.8.0/24", "192.168.0.8", "0a:00:00:00:00:02"), b,
		}, want: entries(b), wantSkipped: []string{"y-dupmac", "z-dupsubnet"}},
		{name: "unmasked subnet", peers: []Peer{peer("b", "10.244.2.7/24", "192.168.0.2", "0a:00:00:00:00:02")},
			want: entries(b)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, skipped := Render(self, network, tc.peers)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Render = %+v\nwant %+v", got, tc.want)
			}
			var names []string
			for _, s := range skipped {
				if s.Reason == "" {
					t.Errorf("skipped %s without a reason", s.Name)
				}
				names = append(names, s.Name)
			}
			if !reflect.DeepEqual(names, tc.wantSkipped) {
				t.Errorf("skipped = %v, want %v", names, tc.wantSkipped)
			}
		})
	}
}
