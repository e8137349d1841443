package order

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hmacgate/hmacgate"
)

// maxDepth bounds the nesting of undocumented values inside orderdata.
const maxDepth = 64

// parseOrderdata parses s strictly into d: one JSON object of valid UTF-8,
// keys unique (compared after unescaping and case folding, since some JSON
// parsers match field names case-insensitively), hmacTimestamp an integer,
// documented fields strings (or numbers, kept as their text, or null).
//
// Strings without escapes are sliced from s, not copied.
func parseOrderdata(s string, d *OrderData) error {
	if !utf8.ValidString(s) {
		return errMalformed("orderdata is not valid UTF-8")
	}
	p := parser{s: s}
	p.skipSpace()
	if !p.consume('{') {
		return errMalformed("orderdata must be a JSON object")
	}
	var seen keySet
	haveTimestamp := false
	p.skipSpace()
	if !p.consume('}') {
		for {
			p.skipSpace()
			key, err := p.str()
			if err != nil {
				return err
			}
			idx := documentedIndex(key)
			if !seen.add(key, idx) {
				return hmacgate.ErrDuplicateField.With("orderdata has the key " + strconv.Quote(key) + " more than once (keys are compared without regard to case)")
			}
			p.skipSpace()
			if !p.consume(':') {
				return p.syntax("':' after a key")
			}
			p.skipSpace()
			exact := -1
			if idx >= 0 && documentedKeys[idx] == key {
				exact = idx
			}
			if err := p.field(key, exact, d, &haveTimestamp); err != nil {
				return err
			}
			p.skipSpace()
			if p.consume(',') {
				continue
			}
			if p.consume('}') {
				break
			}
			return p.syntax("',' or '}'")
		}
	}
	p.skipSpace()
	if p.i != len(s) {
		return errMalformed("orderdata has text after the JSON object")
	}
	if !haveTimestamp {
		return hmacgate.ErrMissingTimestamp
	}
	return nil
}

// field parses the value of key into d.
// idx is the documented field's index when key names one exactly, else -1.
func (p *parser) field(key string, idx int, d *OrderData, haveTimestamp *bool) error {
	if idx == 0 {
		if p.peek() == 'n' && p.literal("null") {
			return nil // reported as missing_timestamp
		}
		start := p.i
		isInt, err := p.number()
		if err != nil {
			return err
		}
		if !isInt {
			return errMalformed("hmacTimestamp must be an integer: Unix time in milliseconds")
		}
		ts, err := strconv.ParseInt(p.s[start:p.i], 10, 64)
		if err != nil {
			return errMalformed("hmacTimestamp is out of range")
		}
		d.Timestamp = ts
		d.present |= 1
		*haveTimestamp = true
		return nil
	}
	if dst := d.fieldAt(idx); dst != nil {
		switch c := p.peek(); {
		case c == '"':
			v, err := p.str()
			*dst = v
			d.present |= 1 << idx
			return err
		case c == '-' || '0' <= c && c <= '9':
			start := p.i
			_, err := p.number()
			*dst = p.s[start:p.i]
			d.present |= 1 << idx
			return err
		case c == 'n' && p.literal("null"):
			return nil
		}
		return errMalformed(key + " must be a string")
	}
	start := p.i
	if err := p.skipValue(0); err != nil {
		return err
	}
	if d.Extra == nil {
		d.Extra = make(map[string]json.RawMessage)
	}
	d.Extra[key] = json.RawMessage(p.s[start:p.i])
	return nil
}

// scalarText returns the text of a raw JSON string (unescaped) or number.
func scalarText(raw string) (string, error) {
	p := parser{s: raw}
	if p.peek() == '"' {
		return p.str()
	}
	if _, err := p.number(); err != nil || p.i != len(raw) {
		return "", errMalformed("not a string or number")
	}
	return raw, nil
}

// errMalformed is a malformed_orderdata refusal with msg.
func errMalformed(msg string) error { return hmacgate.ErrMalformedOrderdata.With(msg) }

// parser reads JSON from s, starting at i.
type parser struct {
	s string
	i int
}

// peek returns the next byte, or 0 at the end.
func (p *parser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// consume skips the next byte if it is c and reports whether it was.
func (p *parser) consume(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// literal skips lit if it comes next and reports whether it did.
func (p *parser) literal(lit string) bool {
	if strings.HasPrefix(p.s[p.i:], lit) {
		p.i += len(lit)
		return true
	}
	return false
}

// skipSpace skips JSON whitespace.
func (p *parser) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// syntax is the refusal of a text that does not have want at this point.
func (p *parser) syntax(want string) error {
	if p.i >= len(p.s) {
		return errMalformed("orderdata ends early: expected " + want)
	}
	return errMalformed("orderdata is not valid JSON: expected " + want + " at byte " + strconv.Itoa(p.i))
}

// str parses a JSON string and returns its value: a slice of s when it has
// no escapes, a new string otherwise.
func (p *parser) str() (string, error) {
	if !p.consume('"') {
		return "", p.syntax("a string")
	}
	start := p.i
	// Skip eight bytes at a time while none is '"', '\\' or a control character.
	for p.i+8 <= len(p.s) {
		w := load64s(p.s, p.i)
		if m := equalBytes(w, '"') | equalBytes(w, '\\') | controlBytes(w); m != 0 {
			p.i += firstMarked(m)
			break
		}
		p.i += 8
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			v := p.s[start:p.i]
			p.i++
			return v, nil
		case c == '\\':
			return p.unescape(start)
		case c < 0x20:
			return "", errMalformed("orderdata has a control character inside a string at byte " + strconv.Itoa(p.i))
		}
		p.i++
	}
	return "", p.syntax("'\"' to end a string")
}

// unescape finishes a string that has escapes, copying it.
func (p *parser) unescape(start int) (string, error) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", errMalformed("orderdata has a control character inside a string at byte " + strconv.Itoa(p.i))
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errMalformed("orderdata has a bad \\u escape at byte " + strconv.Itoa(p.i))
			}
			if utf16.IsSurrogate(r) {
				// A valid pair makes one rune; a lone surrogate becomes
				// U+FFFD, as encoding/json does.
				save := p.i
				if p.literal(`\u`) {
					if r2, ok := p.hex4(); ok {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							continue
						}
					}
				}
				p.i = save
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default:
			return "", errMalformed("orderdata has an unknown escape \\" + string(rune(e)) + " at byte " + strconv.Itoa(p.i-2))
		}
	}
	return "", p.syntax("'\"' to end a string")
}

// hex4 reads the four hex digits of a \u escape.
func (p *parser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	p.i += 4
	return r, true
}

// number parses a JSON number and reports whether it is an integer (no
// fraction, no exponent).
func (p *parser) number() (isInt bool, err error) {
	p.consume('-')
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case '1' <= c && c <= '9':
		p.digits()
	default:
		return false, p.syntax("a number")
	}
	isInt = true
	if p.consume('.') {
		isInt = false
		if p.digits() == 0 {
			return false, p.syntax("a digit after '.'")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		isInt = false
		if !p.consume('+') {
			p.consume('-')
		}
		if p.digits() == 0 {
			return false, p.syntax("a digit in the exponent")
		}
	}
	return isInt, nil
}

// digits skips decimal digits and returns how many there were.
func (p *parser) digits() int {
	start := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// skipValue validates and skips any JSON value. Duplicate keys inside nested
// objects are refused too.
func (p *parser) skipValue(depth int) error {
	if depth > maxDepth {
		return errMalformed("orderdata is nested too deeply")
	}
	switch c := p.peek(); {
	case c == '"':
		_, err := p.str()
		return err
	case c == '-' || '0' <= c && c <= '9':
		_, err := p.number()
		return err
	case c == 't' && p.literal("true"), c == 'f' && p.literal("false"), c == 'n' && p.literal("null"):
		return nil
	case c == '[':
		p.i++
		p.skipSpace()
		if p.consume(']') {
			return nil
		}
		for {
			p.skipSpace()
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			p.skipSpace()
			if p.consume(',') {
				continue
			}
			if p.consume(']') {
				return nil
			}
			return p.syntax("',' or ']'")
		}
	case c == '{':
		p.i++
		p.skipSpace()
		if p.consume('}') {
			return nil
		}
		var keys keySet
		for {
			p.skipSpace()
			key, err := p.str()
			if err != nil {
				return err
			}
			if !keys.add(key, -1) {
				return hmacgate.ErrDuplicateField.With("orderdata has the nested key " + strconv.Quote(key) + " more than once")
			}
			p.skipSpace()
			if !p.consume(':') {
				return p.syntax("':' after a key")
			}
			p.skipSpace()
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			p.skipSpace()
			if p.consume(',') {
				continue
			}
			if p.consume('}') {
				return nil
			}
			return p.syntax("',' or '}'")
		}
	}
	return p.syntax("a value")
}

// formatInt is decimal text of v.
func formatInt(v int64) string { return strconv.FormatInt(v, 10) }

// keySet finds duplicate keys of one JSON object, comparing them without
// regard to case (some JSON parsers match field names that way). Documented
// fields are tracked in a bit set; other keys in a list on the stack, and in
// a map once there are many, so that a body full of keys costs linear time.
type keySet struct {
	documented uint16
	small      [16]string
	n          int
	large      map[string]struct{}
}

// add reports whether key is new, and records it. idx is
// documentedIndex(key) for top-level keys, -1 inside nested objects.
func (s *keySet) add(key string, idx int) bool {
	if i := idx; i >= 0 {
		bit := uint16(1) << i
		if s.documented&bit != 0 {
			return false
		}
		s.documented |= bit
		return true
	}
	if s.large == nil {
		for _, k := range s.small[:s.n] {
			if foldEqual(k, key) {
				return false
			}
		}
		if s.n < len(s.small) {
			s.small[s.n] = key
			s.n++
			return true
		}
		s.large = make(map[string]struct{}, 2*len(s.small))
		for _, k := range s.small {
			s.large[foldKey(k)] = struct{}{}
		}
	}
	f := foldKey(key)
	if _, dup := s.large[f]; dup {
		return false
	}
	s.large[f] = struct{}{}
	return true
}

// documentedKeys are the documented field names; their index is their bit
// in keySet.documented.
var documentedKeys = [...]string{
	KeyTimestamp, KeyCurrentUserID, KeyCurrentUserEmail, KeyCurrentUserName,
	KeyCorrelationID, KeyOrderURL, KeyInstallationID, KeyOrderID, KeyEstateID,
	KeyDepartmentID, KeyDepartmentOrganizationNumber,
}

// exactDocumentedIndex returns the index of the documented field named key,
// or -1.
func exactDocumentedIndex(key string) int {
	switch key {
	case KeyTimestamp:
		return 0
	case KeyCurrentUserID:
		return 1
	case KeyCurrentUserEmail:
		return 2
	case KeyCurrentUserName:
		return 3
	case KeyCorrelationID:
		return 4
	case KeyOrderURL:
		return 5
	case KeyInstallationID:
		return 6
	case KeyOrderID:
		return 7
	case KeyEstateID:
		return 8
	case KeyDepartmentID:
		return 9
	case KeyDepartmentOrganizationNumber:
		return 10
	}
	return -1
}

// documentedIndex returns the index of the documented field that key names,
// exactly or but for case, or -1.
func documentedIndex(key string) int {
	if i := exactDocumentedIndex(key); i >= 0 {
		return i
	}
	for i, k := range documentedKeys {
		if foldEqual(k, key) {
			return i
		}
	}
	return -1
}

// Keys are compared the way the most lenient JSON parsers match field
// names: case-insensitively by upper-casing (.NET: 'ı' and 'i' are both
// 'I'), by lower-casing (Java: 'İ' is 'i') and by Unicode simple case
// folding (the Kelvin sign is 'K'). foldRune, foldEqual and foldKey are one
// equivalence: two keys are the same when their runes map to the same
// representatives.

// foldRune maps a rune to the representative of its class: the smallest
// rune in the simple case-folding orbits of the rune, its upper case and its
// lower case.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}
	least := r
	for _, start := range [...]rune{r, unicode.ToUpper(r), unicode.ToLower(r)} {
		for f := start; ; {
			if f < least {
				least = f
			}
			if f = unicode.SimpleFold(f); f == start {
				break
			}
		}
	}
	return least
}

// foldEqual reports whether a and b are the same key under foldRune.
func foldEqual(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb && foldRune(ra) != foldRune(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == b
}

// foldKey maps a key to the representative string of its class.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}
