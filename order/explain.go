package order

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hmacgate/hmacgate"
)

// Diagnosis explains the outcome of a verification in words a person can act
// on. It never contains a secret or the expected signature.
type Diagnosis struct {
	// Code is the refusal code, or "" when the order is valid.
	Code string `json:"code"`
	// Message is the refusal's message, or a summary for a valid order.
	Message string `json:"message"`
	// Findings are the likely causes found by trying the usual mistakes.
	Findings []string `json:"findings,omitempty"`
	// KeyIndex is the index of the secret that matched, or -1.
	KeyIndex int `json:"key_index"`
	// Order is the verified order, when valid.
	Order *Order `json:"-"`
}

// String returns the diagnosis as lines of text.
func (d *Diagnosis) String() string {
	var b strings.Builder
	if d.Code == "" {
		b.WriteString("valid: " + d.Message + "\n")
	} else {
		b.WriteString(d.Code + ": " + d.Message + "\n")
	}
	for _, f := range d.Findings {
		b.WriteString("  - " + f + "\n")
	}
	return b.String()
}

// Explain verifies a raw form body like [Verifier.VerifyBody] and explains
// the outcome. For a signature that does not match, it tries the mistakes
// senders and frameworks make (an older secret, other secrets given in
// others, hex instead of base64, a re-serialized body, '+' sent unencoded, a
// charset other than UTF-8, a secret used in the wrong format) and reports
// those that explain the signature.
//
// expect are the expectations to check, as for VerifyBody; may be nil.
func (v *Verifier) Explain(body []byte, expect []Expectation, others ...hmacgate.Key) *Diagnosis {
	form, _ := url.ParseQuery(string(body)) // keeps what it could parse
	o, err := v.VerifyBody(body, expect...)
	return v.diagnose(form, o, err, expect, others)
}

// ExplainForm is [Verifier.Explain] for a decoded form.
func (v *Verifier) ExplainForm(form url.Values, expect []Expectation, others ...hmacgate.Key) *Diagnosis {
	o, err := v.Verify(form, expect...)
	return v.diagnose(form, o, err, expect, others)
}

// diagnose builds the Diagnosis of a verification that returned o and err.
func (v *Verifier) diagnose(form url.Values, o *Order, err error, expect []Expectation, others []hmacgate.Key) *Diagnosis {
	if err == nil {
		d := &Diagnosis{KeyIndex: o.KeyIndex, Order: o,
			Message: fmt.Sprintf("the signature matches secret #%d and the order is inside its time window", o.KeyIndex)}
		if o.KeyIndex > 0 {
			d.Findings = append(d.Findings, fmt.Sprintf("secret #%d is not the first (current) secret: the sender still signs with an older secret", o.KeyIndex))
		}
		return d
	}
	d := &Diagnosis{Code: hmacgate.ErrorCode(err), Message: hmacgate.ErrorMessage(err), KeyIndex: -1}
	od, sig := form.Get(FieldOrderdata), form.Get(FieldSignature)
	switch {
	case errorIs(err, hmacgate.ErrSignatureMismatch):
		d.Findings = v.mismatchFindings(od, sig, others)
	case errorIs(err, hmacgate.ErrMalformedSignature):
		d.Findings = v.malformedFindings(od, sig, others)
	case errorIs(err, hmacgate.ErrTimestampExpired), errorIs(err, hmacgate.ErrTimestampInFuture):
		d.Findings = v.timeFindings(od)
	case errorIs(err, hmacgate.ErrBindingMismatch):
		d.Findings = v.bindingFindings(form, expect)
	}
	return d
}

// errorIs reports whether err is the refusal target.
func errorIs(err error, target *hmacgate.Error) bool { return errors.Is(err, target) }

// bindingFindings names each expectation that does not hold.
func (v *Verifier) bindingFindings(form url.Values, expect []Expectation) []string {
	o, err := v.Verify(form)
	if err != nil {
		return nil
	}
	out := []string{fmt.Sprintf("the signature matches secret #%d and the timestamp is inside its window; only the values bound to the URL differ", o.KeyIndex)}
	for _, x := range expect {
		got, ok := o.Field(x.Field)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("orderdata has no field %s (names are case-sensitive)", strconv.Quote(x.Field)))
		case got != x.Value:
			out = append(out, fmt.Sprintf("%s is %s in orderdata, but the URL says %s: the URL was changed, or routes to another installation",
				x.Field, strconv.Quote(got), strconv.Quote(x.Value)))
		}
	}
	return out
}

// candidateKeys returns every key worth trying, named for a person: the
// keyring's (valid or not) and the others.
func (v *Verifier) candidateKeys(others []hmacgate.Key) (keys []hmacgate.Key, names []string) {
	now := v.now()
	for i, e := range v.Keyring.Entries() {
		name := fmt.Sprintf("secret #%d", i)
		if !v.Keyring.Valid(i, now) {
			name += fmt.Sprintf(" (retired at %s)", e.ValidUntil.UTC().Format(time.RFC3339))
		}
		keys, names = append(keys, e.Key), append(names, name)
	}
	for i, k := range others {
		keys, names = append(keys, k), append(names, fmt.Sprintf("other secret #%d", i))
	}
	return keys, names
}

// matchIn returns the name of the first key whose MAC over msg equals mac.
func matchIn(keys []hmacgate.Key, names []string, msg string, mac []byte) (string, bool) {
	for i, k := range keys {
		if hmacEqual(k.SumStrings(nil, msg), mac) {
			return names[i], true
		}
	}
	return "", false
}

// hmacEqual compares MACs in constant time. Diagnosis never accepts an
// order, but a timing leak here would still help an attacker.
func hmacEqual(a, b []byte) bool { return hmac.Equal(a, b) }

// mismatchFindings looks for the likely cause of a signature that matches
// no secret: another secret, or orderdata changed on the way.
func (v *Verifier) mismatchFindings(od, sig string, others []hmacgate.Key) []string {
	mac, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return nil
	}
	keys, names := v.candidateKeys(others)
	var out []string
	now := v.now()
	for i, k := range keys {
		if i < v.Keyring.Len() && v.Keyring.Valid(i, now) {
			continue
		}
		if hmacEqual(k.SumStrings(nil, od), mac) {
			if i < v.Keyring.Len() {
				out = append(out, "the signature matches "+names[i]+", which is no longer accepted: the sender signs with a retired secret; give it the current one")
			} else {
				out = append(out, "the signature matches "+names[i]+", which this verifier does not hold: add it to the keyring if it is the product's current secret")
			}
		}
	}
	for _, c := range rewrites(od) {
		if name, ok := matchIn(keys, names, c.text, mac); ok {
			out = append(out, "the signature matches orderdata "+c.what+" (under "+name+"): "+c.cause)
		}
	}
	for _, c := range keyMistakes(keys, names) {
		if hmacEqual(c.key.SumStrings(nil, od), mac) {
			out = append(out, "the signature matches when the secret is "+c.what+": "+c.cause)
		}
	}
	if len(out) == 0 {
		out = append(out, "no secret given explains the signature, and neither do the usual rewrites of orderdata; "+
			"check that the sender and this verifier use the same product secret, byte for byte (the whole string, including any hgk_ prefix)")
	}
	return out
}

type rewrite struct{ what, text, cause string }

// rewrites returns orderdata as the usual mistakes would have left it.
func rewrites(od string) []rewrite {
	var out []rewrite
	seen := map[string]bool{od: true, "": true}
	add := func(what, text, cause string) {
		if !seen[text] {
			seen[text] = true
			out = append(out, rewrite{what, text, cause})
		}
	}
	const reser = "the body was re-serialized between signing and verifying (by the sender or a framework); sign and verify the exact bytes"
	var compact bytes.Buffer
	if json.Compact(&compact, []byte(od)) == nil {
		add("with its whitespace removed", compact.String(), reser)
		for _, indent := range []string{"  ", "    ", "\t"} {
			var ind bytes.Buffer
			if json.Indent(&ind, compact.Bytes(), "", indent) == nil {
				add("indented", ind.String(), reser)
			}
		}
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(od))
	dec.UseNumber()
	if dec.Decode(&m) == nil {
		if b, err := json.Marshal(m); err == nil {
			add("re-serialized with sorted keys", string(b), reser)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if enc.Encode(m) == nil {
			add("re-serialized with sorted keys", strings.TrimSuffix(buf.String(), "\n"), reser)
		}
	}
	add("with non-ASCII characters written as \\u escapes", asciiEscaped(od),
		"the sender signed one spelling of the text and sent another; sign the exact bytes that are sent")
	add("with spaces turned back into '+'", strings.ReplaceAll(od, " ", "+"),
		"the sender did not percent-encode the form body, so each '+' became a space; percent-encode orderdata")
	if l1, ok := latin1(od); ok {
		add("encoded as Latin-1 instead of UTF-8", l1,
			"the sender encoded orderdata with a platform charset (Java's getBytes() without an argument does this); use UTF-8")
	}
	add("with a trailing newline", od+"\n", "the sender signed a newline that it did not send")
	add("with surrounding whitespace removed", strings.TrimSpace(od), "orderdata was trimmed on one side only")
	return out
}

// asciiEscaped writes every non-ASCII character of s as a JSON \u escape.
func asciiEscaped(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := surrogates(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// surrogates returns the UTF-16 surrogate pair of a rune above U+FFFF.
func surrogates(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}

// latin1 returns s encoded as ISO-8859-1, if every character fits and some
// character is not ASCII.
func latin1(s string) (string, bool) {
	b := make([]byte, 0, len(s))
	nonASCII := false
	for _, r := range s {
		if r > 0xff {
			return "", false
		}
		nonASCII = nonASCII || r >= utf8.RuneSelf
		b = append(b, byte(r))
	}
	return string(b), nonASCII
}

type keyMistake struct {
	what, cause string
	key         hmacgate.Key
}

// keyMistakes returns the keys that the usual format confusions make of the
// given ones: the prefix dropped, the string base64-decoded, whitespace kept.
func keyMistakes(keys []hmacgate.Key, names []string) []keyMistake {
	var out []keyMistake
	for i, k := range keys {
		s := k.Reveal()
		add := func(what, cause, alt string) {
			if alt != s && alt != "" {
				out = append(out, keyMistake{what + " (" + names[i] + ")", cause, hmacgate.MustParseKey(alt)})
			}
		}
		add("used without its hgk_ prefix", "the prefix is part of the secret; use the whole string", strings.TrimPrefix(s, hmacgate.KeyPrefix))
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if raw, err := enc.DecodeString(strings.TrimPrefix(s, hmacgate.KeyPrefix)); err == nil {
				add("base64-decoded", "the secret is used as its text, never decoded; use the string's UTF-8 bytes as the key", string(raw))
				break
			}
		}
		add("trimmed of whitespace", "the secret's bytes include its whitespace on one side and not the other", strings.TrimSpace(s))
		add("with a trailing newline", "the secret was read from a file with its newline", s+"\n")
	}
	return out
}

// malformedFindings looks for the likely cause of a signature that does not
// decode: a right MAC in the wrong encoding.
func (v *Verifier) malformedFindings(od, sig string, others []hmacgate.Key) []string {
	keys, names := v.candidateKeys(others)
	var out []string
	if raw, err := hex.DecodeString(sig); err == nil && len(raw) == hmacgate.Size {
		if name, ok := matchIn(keys, names, od, raw); ok {
			out = append(out, "the hex digest is the right MAC under "+name+": only the encoding is wrong; send standard base64 of the 32 bytes")
		}
	}
	for _, enc := range []*base64.Encoding{base64.URLEncoding, base64.RawURLEncoding, base64.RawStdEncoding} {
		if raw, err := enc.DecodeString(sig); err == nil && len(raw) == hmacgate.Size {
			if name, ok := matchIn(keys, names, od, raw); ok {
				out = append(out, "the signature is the right MAC under "+name+" in another base64 variant: send standard base64 with padding")
			}
			break
		}
	}
	if strings.Contains(sig, " ") {
		fixed := strings.ReplaceAll(sig, " ", "+")
		if raw, err := base64.StdEncoding.DecodeString(fixed); err == nil {
			if name, ok := matchIn(keys, names, strings.ReplaceAll(od, " ", "+"), raw); ok {
				out = append(out, "with each space turned back into '+', the signature matches under "+name+": the form body was not percent-encoded")
			} else if name, ok := matchIn(keys, names, od, raw); ok {
				out = append(out, "with each space turned back into '+', the signature matches under "+name+": hmacsignature was not percent-encoded")
			}
		}
	}
	return out
}

// timeFindings explains a timestamp outside the window: how far off it is
// and whether it looks like seconds.
func (v *Verifier) timeFindings(od string) []string {
	var d OrderData
	if parseOrderdata(od, &d) != nil {
		return nil
	}
	var out []string
	skew := time.UnixMilli(d.Timestamp).Sub(v.now())
	if d.Timestamp >= secondsLow && d.Timestamp < secondsHigh {
		out = append(out, "hmacTimestamp looks like Unix seconds; the scheme uses milliseconds (multiply by 1000)")
		if s := time.Unix(d.Timestamp, 0).Sub(v.now()); s > -v.maxAge() && s < v.maxFuture() {
			out = append(out, "read as seconds, it would be inside the window")
		}
		return out
	}
	if skew > 0 {
		out = append(out, fmt.Sprintf("the sender's clock is about %s ahead of this server's (or this server's is behind)", roundDur(skew)))
	} else if skew > -24*time.Hour {
		out = append(out, fmt.Sprintf("the order was signed %s ago: it was delayed, replayed, or a clock is off", roundDur(-skew)))
	}
	return out
}
