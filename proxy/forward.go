package proxy

import (
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// Headers the proxy sets on verified requests.
const (
	HeaderVerified       = "X-Hmacgate-Verified"
	HeaderUserID         = "X-Hmacgate-User-Id"
	HeaderUserEmail      = "X-Hmacgate-User-Email"
	HeaderUserName       = "X-Hmacgate-User-Name"
	HeaderInstallationID = "X-Hmacgate-Installation-Id"
	HeaderOrderID        = "X-Hmacgate-Order-Id"
	HeaderCorrelationID  = "X-Hmacgate-Correlation-Id"
)

// stripHmacgateHeaders removes every header named X-Hmacgate-*, in any case
// and with '_' for '-', since some servers treat those names as the same.
func stripHmacgateHeaders(h http.Header) {
	for name := range h {
		if isHmacgateHeader(name) {
			delete(h, name)
		}
	}
}

func isHmacgateHeader(name string) bool {
	const prefix = "x-hmacgate-"
	if len(name) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		c := name[i]
		if c == '_' {
			c = '-'
		} else if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// headerValue percent-encodes s for a header: bytes outside '!'..'~', and
// '%' itself, become %XX; the rest stays, so decoding is unambiguous.
func headerValue(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '%' {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// setOrderHeaders sets the X-Hmacgate-* headers of a verified order.
func setOrderHeaders(h http.Header, o *order.Order) {
	h.Set(HeaderVerified, "1")
	h.Set(HeaderUserID, headerValue(o.User.ID))
	h.Set(HeaderUserEmail, headerValue(o.User.Email))
	h.Set(HeaderUserName, headerValue(o.User.Name))
	h.Set(HeaderInstallationID, headerValue(o.InstallationID))
	h.Set(HeaderOrderID, headerValue(o.OrderID))
	h.Set(HeaderCorrelationID, headerValue(o.CorrelationID))
}

// forwarder sends verified orders to the upstream.
type forwarder struct {
	rp  *httputil.ReverseProxy
	log *slog.Logger
}

func newForwarder(upstream *url.URL, log *slog.Logger, upstreamErrors prometheus.Counter) *forwarder {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 128 // the default of 2 would open a connection per request under load
	f := &forwarder{log: log}
	f.rp = &httputil.ReverseProxy{
		Transport: t,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
			// Inbound X-Hmacgate-* were stripped before verification; strip
			// again so that no path around it can reintroduce one.
			stripHmacgateHeaders(pr.Out.Header)
			pr.Out.Trailer = nil
			if o, ok := order.FromContext(pr.In.Context()); ok {
				setOrderHeaders(pr.Out.Header, o)
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			if o, ok := order.FromContext(resp.Request.Context()); ok {
				log.Info("order forwarded", "status", resp.StatusCode, "path", resp.Request.URL.Path,
					"key_index", o.KeyIndex, "installation_id", o.InstallationID, "order_id", o.OrderID,
					"correlation_id", o.CorrelationID)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			upstreamErrors.Inc()
			log.Error("upstream failed", "path", r.URL.Path, "error", err)
			hmacgate.WriteError(w, ErrUpstream)
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return f
}

// ServeHTTP forwards r, which must carry a verified order: anything else is
// a wiring bug and is refused rather than forwarded.
func (f *forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, ok := order.FromContext(r.Context()); !ok {
		f.log.Error("a request without a verified order reached the forwarder; refused")
		hmacgate.WriteError(w, nil)
		return
	}
	f.rp.ServeHTTP(w, r)
}
