package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// Deliveries of test orders call URLs that customers choose, from inside the
// platform's network: a server-side request forgery risk. The guard checks
// the address actually dialed (after DNS, so a name that resolves to a
// private address is caught, and so is DNS rebinding), refuses link-local
// and cloud metadata addresses always and private ones unless allowed, and
// follows no redirect to another host.

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

// deliveryTimeout bounds a whole test delivery.
const deliveryTimeout = 10 * time.Second

// maxResponse is how much of the partner's answer is kept.
const maxResponse = 2 << 10

// errRefusedAddress marks a dial the guard refused.
var errRefusedAddress = errors.New("refused address")

// guardAddress decides whether ip may be dialed: not a zoned address (a
// zone makes every prefix test false), nothing in alwaysRefused, nothing
// private unless allowed, and otherwise only global unicast; an IPv4
// address carried inside an IPv6 one must pass too.
func guardAddress(ip netip.Addr, allow []netip.Prefix) error {
	if ip.Zone() != "" {
		return fmt.Errorf("%w: %s is a scoped (zoned) IPv6 address", errRefusedAddress, ip)
	}
	ip = ip.Unmap()
	if v4, ok := embeddedIPv4(ip); ok && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback() {
		if err := guardAddress(v4, allow); err != nil {
			return err
		}
	}
	for _, p := range alwaysRefused {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is link-local or otherwise never reachable from the platform", errRefusedAddress, ip)
		}
	}
	for _, p := range private {
		if p.Contains(ip) {
			for _, a := range allow {
				if a.Contains(ip) {
					return nil
				}
			}
			return fmt.Errorf("%w: %s is a private address; allow it with --delivery-allow", errRefusedAddress, ip)
		}
	}
	if !ip.IsGlobalUnicast() {
		return fmt.Errorf("%w: %s is not a public unicast address", errRefusedAddress, ip)
	}
	return nil
}

// newDeliveryClient returns the HTTP client for test deliveries.
func newDeliveryClient(allow []netip.Prefix) *http.Client {
	dialer := &net.Dialer{
		Timeout: 5 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", errRefusedAddress, address)
			}
			return guardAddress(ap.Addr(), allow)
		},
	}
	tr := &http.Transport{
		Proxy:                 nil, // never through a proxy from the environment: the guard must see the real address
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: deliveryTimeout,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   deliveryTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return fmt.Errorf("%w: too many redirects", errRefusedAddress)
			}
			if req.URL.Host != via[0].URL.Host || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
				return fmt.Errorf("%w: a redirect to another host (%s)", errRefusedAddress, req.URL.Host)
			}
			return nil
		},
	}
}

// deliver POSTs the form to orderURL through the guarded client.
func (s *Server) deliver(ctx context.Context, orderURL string, form url.Values) (platform.Delivery, error) {
	u, err := url.Parse(orderURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return platform.Delivery{}, platform.ErrDeliveryRefused.With("the order URL must be http or https")
	}
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", orderURL, strings.NewReader(form.Encode()))
	if err != nil {
		return platform.Delivery{}, platform.ErrDeliveryRefused.With("the order URL is not valid")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "hmacgate-test-delivery")
	start := time.Now()
	res, err := s.delivery.Do(req)
	lat := time.Since(start).Milliseconds()
	if err != nil {
		if errors.Is(err, errRefusedAddress) {
			msg := err.Error()
			if i := strings.Index(msg, errRefusedAddress.Error()+": "); i >= 0 {
				msg = msg[i+len(errRefusedAddress.Error())+2:]
			}
			return platform.Delivery{}, platform.ErrDeliveryRefused.With("not delivered: " + msg)
		}
		return platform.Delivery{Latency: lat, Error: deliveryError(err)}, nil
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	return platform.Delivery{Status: res.StatusCode, Body: strings.ToValidUTF8(string(body), "\uFFFD"), Latency: lat}, nil
}

// deliveryError describes a failed delivery without internal detail.
func deliveryError(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timed out after " + deliveryTimeout.String()
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "no such host"):
		return "the host name does not resolve"
	}
	return "the delivery failed"
}
