package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate/internal/netguard"
	"github.com/hmacgate/hmacgate/platform"
)

// deliveryTimeout bounds a whole test delivery.
const deliveryTimeout = 10 * time.Second

// maxResponse is how much of the partner's answer is kept.
const maxResponse = 2 << 10

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
		if errors.Is(err, netguard.ErrRefused) {
			msg := err.Error()
			if i := strings.Index(msg, netguard.ErrRefused.Error()+": "); i >= 0 {
				msg = msg[i+len(netguard.ErrRefused.Error())+2:]
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
