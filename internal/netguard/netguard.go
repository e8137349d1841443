// Package netguard guards the platform's calls to URLs that customers
// choose (test deliveries of orders, webhooks, probes) against server-side
// request forgery: they run from inside the platform's network. The guard checks
// the address actually dialed (after DNS, so a name that resolves to a
// private address is caught, and so is DNS rebinding), refuses link-local
// and cloud metadata addresses always and private ones unless allowed, and
// follows no redirect to another host.
package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// alwaysRefused are never dialed, whatever the allow-list says.
var alwaysRefused = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, cloud metadata (169.254.169.254)
	netip.MustParsePrefix("fe80::/10"),      // IPv6 link-local
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("::/128"),
	netip.MustParsePrefix("224.0.0.0/4"), // multicast
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("240.0.0.0/4"), // reserved, broadcast
	netip.MustParsePrefix("2001::/32"),   // Teredo: an IPv4 address hides inside, obfuscated
}

// private are dialed only when the allow-list covers them.
var private = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking networks
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("fc00::/7"),      // unique local
}

// IPv6 ranges that carry an IPv4 address, which is guarded as well.
var (
	nat64      = netip.MustParsePrefix("64:ff9b::/96") // the IPv4 address in the last 4 bytes
	sixToFour  = netip.MustParsePrefix("2002::/16")    // in bytes 2 to 5
	v4Compat   = netip.MustParsePrefix("::/96")        // deprecated IPv4-compatible: the last 4 bytes
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
)

// embeddedIPv4 returns the IPv4 address an IPv6 address carries, if any.
func embeddedIPv4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case nat64.Contains(ip), nat64Local.Contains(ip), v4Compat.Contains(ip):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// ErrRefused marks a dial or a redirect the guard refused; the wrapping
// error says why, in words fit for the customer.
var ErrRefused = errors.New("refused address")

// Check decides whether ip may be dialed: not a zoned address (a
// zone makes every prefix test false), nothing in alwaysRefused, nothing
// private unless allowed, and otherwise only global unicast; an IPv4
// address carried inside an IPv6 one must pass too.
func Check(ip netip.Addr, allow []netip.Prefix) error {
	if ip.Zone() != "" {
		return fmt.Errorf("%w: %s is a scoped (zoned) IPv6 address", ErrRefused, ip)
	}
	ip = ip.Unmap()
	if v4, ok := embeddedIPv4(ip); ok && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback() {
		if err := Check(v4, allow); err != nil {
			return err
		}
	}
	for _, p := range alwaysRefused {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is link-local or otherwise never reachable from the platform", ErrRefused, ip)
		}
	}
	for _, p := range private {
		if p.Contains(ip) {
			for _, a := range allow {
				if a.Contains(ip) {
					return nil
				}
			}
			return fmt.Errorf("%w: %s is a private address; allow it with --delivery-allow", ErrRefused, ip)
		}
	}
	if !ip.IsGlobalUnicast() {
		return fmt.Errorf("%w: %s is not a public unicast address", ErrRefused, ip)
	}
	return nil
}

// NewClient returns an HTTP client whose every dial is checked (allow lists
// the private ranges it may reach), that takes no proxy from the
// environment, follows redirects only to the same host and gives up after
// timeout.
func NewClient(allow []netip.Prefix, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrRefused, address)
			}
			return Check(ap.Addr(), allow)
		},
	}
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy from the environment: the guard must see the real address
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return fmt.Errorf("%w: too many redirects", ErrRefused)
			}
			if req.URL.Host != via[0].URL.Host || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
				return fmt.Errorf("%w: a redirect to another host (%s)", ErrRefused, req.URL.Host)
			}
			return nil
		},
	}
}
