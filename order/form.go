package order

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/hmacgate/hmacgate"
)

// formFields finds the raw (still form-encoded) values of orderdata and
// hmacsignature in an application/x-www-form-urlencoded body, following the
// rules of [net/url.ParseQuery]: pairs are separated by '&', a pair whose key
// contains ';' is skipped, keys are form-decoded before they are compared.
// A field that appears twice is refused: senders never repeat them, and
// parsers disagree on which copy wins.
func formFields(body []byte) (od, sig []byte, haveOD, haveSig bool, err error) {
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte{'&'})
		if len(pair) == 0 || bytes.IndexByte(pair, ';') >= 0 {
			continue
		}
		key, value, _ := bytes.Cut(pair, []byte{'='})
		switch formKey(key) {
		case FieldOrderdata:
			if haveOD {
				return nil, nil, false, false, hmacgate.ErrDuplicateField.With("the form has more than one orderdata field")
			}
			od, haveOD = value, true
		case FieldSignature:
			if haveSig {
				return nil, nil, false, false, hmacgate.ErrDuplicateField.With("the form has more than one hmacsignature field")
			}
			sig, haveSig = value, true
		}
	}
	return od, sig, haveOD, haveSig, nil
}

// formKey returns the decoded key when it is one of the two order fields
// and "" otherwise. The common case, an unencoded key, costs no allocation.
func formKey(key []byte) string {
	switch string(key) {
	case FieldOrderdata:
		return FieldOrderdata
	case FieldSignature:
		return FieldSignature
	}
	if bytes.IndexByte(key, '%') < 0 && bytes.IndexByte(key, '+') < 0 {
		return ""
	}
	if len(key) > 3*len(FieldSignature) {
		return ""
	}
	var buf [3 * len(FieldSignature)]byte
	dec, ok := unescapeForm(buf[:0], key)
	if !ok {
		return ""
	}
	switch string(dec) {
	case FieldOrderdata:
		return FieldOrderdata
	case FieldSignature:
		return FieldSignature
	}
	return ""
}

// formDecodedLen returns the length of src after form decoding, and whether
// decoding changes it at all.
func formDecodedLen(src []byte) (n int, changed bool) {
	pct := bytes.Count(src, []byte{'%'})
	return len(src) - 2*pct, pct > 0 || bytes.IndexByte(src, '+') >= 0
}

// unescapeForm appends the form decoding of src ('+' is a space, %XX a byte)
// to dst. It reports false for a malformed escape.
func unescapeForm(dst, src []byte) ([]byte, bool) {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)] // decoding only shrinks
	j, ok := unescapeInto(dst[n:], src)
	if !ok {
		return dst[:n], false
	}
	return dst[:n+j], true
}

// unescapeInto form-decodes src into out and returns the decoded length. out
// must have room for the result (len(src) always suffices). Eight bytes are
// handled at a time: the bytes before the first '%' are stored at once, with
// every '+' turned into a space; then the escapes that follow one another
// are decoded in a tight loop.
func unescapeInto(out, src []byte) (int, bool) {
	const plusToSpace = '+' ^ ' '
	i, j := 0, 0
	for i < len(src) {
		if i+8 > len(src) || j+8 > len(out) {
			break // the tail, byte by byte below
		}
		w := load64(src[i:])
		pct := equalBytes(w, '%')
		binary.LittleEndian.PutUint64(out[j:], w^(equalBytes(w, '+')>>7)*plusToSpace)
		if pct == 0 {
			i += 8
			j += 8
			continue
		}
		k := firstMarked(pct) // the bytes before the '%' are stored already
		i += k
		j += k
		for i < len(src) && src[i] == '%' {
			if i+2 >= len(src) || j >= len(out) {
				return 0, false
			}
			hi, lo := hexValue[src[i+1]], hexValue[src[i+2]]
			if hi|lo > 15 {
				return 0, false
			}
			out[j] = hi<<4 | lo
			i += 3
			j++
		}
	}
	for i < len(src) {
		c := src[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(src) {
				return 0, false
			}
			hi, lo := hexValue[src[i+1]], hexValue[src[i+2]]
			if hi|lo > 15 {
				return 0, false
			}
			c = hi<<4 | lo
			i += 2
		}
		if j >= len(out) {
			return 0, false
		}
		out[j] = c
		i++
		j++
	}
	return j, true
}

// hexValue maps a hex digit to its value and any other byte to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range 16 {
		t["0123456789abcdef"[i]] = byte(i)
		t["0123456789ABCDEF"[i]] = byte(i)
	}
	return t
}()

// unhex returns the value of a hex digit, or a value above 15.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 255
}
