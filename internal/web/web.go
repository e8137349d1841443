// Package web holds the small HTTP helpers that the platform's API and its
// console share: JSON answers, random tokens, quoting names for messages,
// and what a request says about itself.
package web

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/hmacgate/hmacgate"
)

// MaxBody bounds every request body the platform reads.
const MaxBody = 64 << 10

// ErrBodyTooLarge refuses a body larger than MaxBody, stating the limit.
var ErrBodyTooLarge = hmacgate.ErrBodyTooLarge.With(fmt.Sprintf(
	"the request body is larger than the limit of %d KiB: send less", MaxBody>>10))

// WriteJSON writes v as JSON with status, never cached and never sniffed.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // JSON with nosniff is not HTML; keep '<' readable
	if err := enc.Encode(v); err != nil {
		hmacgate.WriteError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// RandomToken returns prefix followed by n random bytes in unpadded
// base64url. Prefixes make leaked credentials easy for secret scanners to
// find.
func RandomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// Quote puts a user-given name in quotes for a message or an audit entry,
// cut to 80 bytes and made valid UTF-8.
func Quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// Sentence makes a refusal's message a sentence for a page: a capital
// first letter and a final period.
func Sentence(s string) string {
	if s == "" {
		return s
	}
	if 'a' <= s[0] && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// IsTLS reports whether the request came over TLS, directly or through a
// proxy that says so.
func IsTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// Origin is the scheme and host the request came to.
func Origin(r *http.Request) string {
	if IsTLS(r) {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// WantsHTML reports whether the client asks for HTML (a browser).
func WantsHTML(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if strings.HasPrefix(strings.TrimSpace(part), "text/html") {
			return true
		}
	}
	return false
}

// ClientIP is the address of the peer, without the port.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
