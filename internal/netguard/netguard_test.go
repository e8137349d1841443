package netguard

import (
	"net/netip"
	"testing"
)

func TestGuardAddress(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, tc := range []struct {
		addr  string
		allow []netip.Prefix
		ok    bool
	}{
		{"93.184.216.34", nil, true},
		{"2606:2800:220:1::1", nil, true},
		{"169.254.169.254", loopback, false},
		{"::ffff:169.254.169.254", nil, false},
		{"fe80::1", nil, false},
		{"fe80::1%eth0", nil, false},
		{"::1%lo", loopback, false}, // a zone hides the address from every prefix test
		{"::1%bogus", nil, false},
		{"127.0.0.1", nil, false},
		{"127.0.0.1", loopback, true},
		{"::1", loopback, true},
		{"10.1.2.3", nil, false},
		{"fd00::1", nil, false},
		{"64:ff9b::a9fe:a9fe", nil, false},                   // NAT64 of 169.254.169.254
		{"64:ff9b::7f00:1", nil, false},                      // NAT64 of 127.0.0.1
		{"64:ff9b::5db8:d822", nil, true},                    // NAT64 of a public address
		{"2002:a9fe:a9fe::1", nil, false},                    // 6to4 of 169.254.169.254
		{"2002:0a01:0203::1", nil, false},                    // 6to4 of 10.1.2.3
		{"::a9fe:a9fe", nil, false},                          // IPv4-compatible
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", nil, false}, // Teredo
		{"255.255.255.255", nil, false},
		{"240.0.0.1", nil, false},
		{"198.18.0.1", nil, false},
		{"224.0.0.1", nil, false},
		{"0.0.0.0", nil, false},
		{"::", nil, false},
	} {
		err := Check(netip.MustParseAddr(tc.addr), tc.allow)
		if (err == nil) != tc.ok {
			t.Errorf("%s (allow %v): got %v; want ok=%v", tc.addr, tc.allow, err, tc.ok)
		}
	}
}
