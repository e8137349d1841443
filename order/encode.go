package order

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hmacgate/hmacgate"
)

// Marshal encodes d as orderdata: one JSON object with the documented fields
// in documented order (all of them, empty ones as ""), then the Extra fields
// sorted by key. HTML characters are not escaped. It fails on a string that
// is not valid UTF-8, an Extra value that is not valid JSON, and an Extra key
// that repeats a documented one.
func Marshal(d OrderData) ([]byte, error) {
	b := make([]byte, 0, 512)
	b = append(b, `{"`+KeyTimestamp+`":`...)
	b = strconv.AppendInt(b, d.Timestamp, 10)
	for _, k := range stringKeys {
		v := *d.stringField(k)
		if !utf8.ValidString(v) {
			return nil, errMalformed(k + " is not valid UTF-8")
		}
		b = append(b, `,"`...)
		b = append(b, k...)
		b = append(b, `":`...)
		b = appendString(b, v)
	}
	keys := make([]string, 0, len(d.Extra))
	for k := range d.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if isDocumented(k) {
			return nil, hmacgate.ErrDuplicateField.With("Extra repeats the documented field " + strconv.Quote(k))
		}
		if !utf8.ValidString(k) {
			return nil, errMalformed("an Extra key is not valid UTF-8")
		}
		v := d.Extra[k]
		if !json.Valid(v) || !utf8.Valid(v) {
			return nil, errMalformed("Extra[" + strconv.Quote(k) + "] is not valid JSON")
		}
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// isDocumented reports whether k equals a documented field name, ignoring case.
func isDocumented(k string) bool {
	if foldEqual(k, KeyTimestamp) {
		return true
	}
	for _, s := range stringKeys {
		if foldEqual(k, s) {
			return true
		}
	}
	return false
}

// Encode returns the form a platform POSTs to a partner: orderdata, the JSON
// of d marshaled once, and hmacsignature, the signature of exactly those
// bytes. A zero d.Timestamp is set to now.
func Encode(secret hmacgate.Key, d OrderData) (url.Values, error) {
	if secret.IsZero() {
		return nil, hmacgate.ErrInvalidKey
	}
	if d.Timestamp == 0 {
		d.Timestamp = time.Now().UnixMilli()
	}
	data, err := Marshal(d)
	if err != nil {
		return nil, err
	}
	return url.Values{
		FieldOrderdata: {string(data)},
		FieldSignature: {Sign(secret, data)},
	}, nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping what JSON requires plus
// U+2028 and U+2029 (so the text is also safe inside JavaScript).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == '\u2028' || r == '\u2029' {
				b = append(b, s[start:i]...)
				b = append(b, `\u202`...)
				b = append(b, hexDigits[r&0xf])
				start = i + size
			}
			i += size
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
