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
// must have room for the result (len(src) always suffices). Runs of eight
// bytes without '%' or '+' are copied a word at a time.
func unescapeInto(out, src []byte) (int, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	const pct, plus = '%' * ones, '+' * ones
	i, j := 0, 0
	for i < len(src) {
		if i+8 <= len(src) && j+8 <= len(out) {
			w := binary.LittleEndian.Uint64(src[i:])
			a, b := w^pct, w^plus
			// A zero byte in a or b marks a '%' or '+'; this test has no
			// false negatives, and a false positive only takes the slow path.
			if ((a-ones)&^a|(b-ones)&^b)&highs == 0 {
				binary.LittleEndian.PutUint64(out[j:], w)
				i += 8
				j += 8
				continue
			}
		}
		c := src[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 >= len(src) {
				return 0, false
			}
			hi, lo := unhex(src[i+1]), unhex(src[i+2])
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
