package order_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// FuzzVerifyBody feeds raw bodies to VerifyBody and checks that it never
// panics, refuses with a code, agrees with Verify on ParseQuery's result and
// never modifies the body.
func FuzzVerifyBody(f *testing.F) {
	f.Add(refBody())
	f.Add([]byte("orderdata=%7B%7D&hmacsignature=AAAA"))
	f.Add([]byte("orderdata=&hmacsignature="))
	f.Add([]byte("orderdata=%ZZ&hmacsignature=%"))
	f.Add([]byte("%6Frderdata=a&orderdata=b"))
	f.Add([]byte("a;b=c&orderdata=x+y&hmacsignature=" + url.QueryEscape(order.Sign(refSecret, []byte("x y")))))
	v := refVerifier()
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := string(body)
		o, err := v.VerifyBody(body)
		if string(body) != orig {
			t.Fatal("VerifyBody modified the body")
		}
		if err != nil {
			if hmacgate.ErrorCode(err) == hmacgate.Internal {
				t.Fatalf("not a refusal: %v", err)
			}
			return
		}
		form, perr := url.ParseQuery(orig)
		if perr != nil {
			return // ParseQuery refuses some pairs VerifyBody skips
		}
		o2, err2 := v.Verify(form)
		if err2 != nil || o2.Orderdata != o.Orderdata {
			t.Fatalf("VerifyBody accepted, Verify said %v", err2)
		}
	})
}

// FuzzOrderdata signs arbitrary orderdata and checks the strict parser
// against encoding/json: whatever it accepts is valid JSON, valid UTF-8 and
// one object. The converse is asserted for objects whose values are all
// strings (checkStringObject): whatever encoding/json finds valid and
// duplicate-free, Verify and VerifyBody accept, with the values
// encoding/json reads. Stricter refusals of other values (nested duplicate
// keys, deep nesting) are allowed and only logged.
func FuzzOrderdata(f *testing.F) {
	f.Add(refOrderdata)
	f.Add(`{"hmacTimestamp":1764151200000,"a":[{"b":{}}],"c":"\ud83d\ude00"}`)
	f.Add(`{"hmacTimestamp":1764151200000,"a":1,"A":2}`)
	f.Add(`{"hmacTimestamp":1764151200000} x`)
	f.Add(`{"hmacTimestamp":17641512e5}`)
	f.Add(`{"hmacTimestamp":1764151200000,"orderId":1.5,"estateId":null,"x":"\u0000"}`)
	f.Add(`{"orderId":"o-1","ORDERID2":"x","\u00e9":"\u00c9","currentUserıd":"u"}`)
	f.Add(` { "a" : "\"\\\/\b\f\n\r\t" , "b":"\ud800" } `)
	f.Add(`{}`)
	v := refVerifier()
	f.Fuzz(func(t *testing.T, od string) {
		if od == "" {
			return
		}
		checkStringObject(t, v, od)
		form := url.Values{"orderdata": {od}, "hmacsignature": {order.Sign(refSecret, []byte(od))}}
		o, err := v.Verify(form)
		if err != nil {
			if hmacgate.ErrorCode(err) == hmacgate.Internal {
				t.Fatalf("not a refusal: %v", err)
			}
			if errors.Is(err, hmacgate.ErrSignatureMismatch) || errors.Is(err, hmacgate.ErrMalformedSignature) {
				t.Fatalf("a correct signature was refused: %v", err)
			}
			if errors.Is(err, hmacgate.ErrMalformedOrderdata) && json.Valid([]byte(od)) && utf8.ValidString(od) && isObject(od) && !hasFraction(od) {
				t.Logf("strict refusal of valid JSON (allowed for values that are not strings): %v", err)
			}
			return
		}
		if !json.Valid([]byte(od)) || !utf8.ValidString(od) || !isObject(od) {
			t.Fatalf("accepted orderdata that is not one valid JSON object: %q", od)
		}
		if o.Orderdata != od {
			t.Fatal("Orderdata differs from the received text")
		}
		var m map[string]any
		if json.Unmarshal([]byte(od), &m) != nil {
			t.Fatal("encoding/json cannot decode accepted orderdata")
		}
	})
}

// checkStringObject asserts the converse property on od when encoding/json
// reads it as one object of string values with no duplicate keys (under
// the documented key equivalence, [order.KeyClass]) and none equivalent to
// hmacTimestamp. It adds an hmacTimestamp inside the verifier's window as
// the first member, signs the result and requires both Verify and
// VerifyBody to accept it, with every member readable through Field as
// encoding/json decoded it.
func checkStringObject(t *testing.T, v *order.Verifier, od string) {
	t.Helper()
	keys, values, ok := stringObject(od)
	if !ok {
		return
	}
	seen := map[string]bool{order.KeyClass(order.KeyTimestamp): true}
	for _, k := range keys {
		c := order.KeyClass(k)
		if seen[c] {
			return // a duplicate: refusing it is the point
		}
		seen[c] = true
	}
	brace := strings.IndexByte(od, '{')
	member := `"hmacTimestamp":` + strconv.FormatInt(refTimestamp, 10)
	if len(keys) > 0 {
		member += ","
	}
	signed := od[:brace+1] + member + od[brace+1:]
	form := url.Values{"orderdata": {signed}, "hmacsignature": {order.Sign(refSecret, []byte(signed))}}
	fromForm, err := v.Verify(form)
	if err != nil {
		t.Fatalf("Verify refused a string-valued object that encoding/json reads without duplicates: %v\n%q", err, signed)
	}
	fromBody, err := v.VerifyBody([]byte(form.Encode()))
	if err != nil {
		t.Fatalf("VerifyBody refused a string-valued object that encoding/json reads without duplicates: %v\n%q", err, signed)
	}
	for _, o := range []*order.Order{fromForm, fromBody} {
		if o.Timestamp != refTimestamp {
			t.Fatalf("Timestamp = %d; want %d", o.Timestamp, refTimestamp)
		}
		for i, k := range keys {
			if got, ok := o.Field(k); !ok || got != values[i] {
				t.Fatalf("Field(%q) = %q, %v; encoding/json read %q", k, got, ok, values[i])
			}
		}
	}
}

// stringObject returns the members of od in order, as encoding/json decodes
// them, when od is valid JSON in valid UTF-8 and one object whose values are
// all strings. (encoding/json accepts invalid UTF-8 and reads it as U+FFFD;
// orderdata must be UTF-8, so that is refused on purpose.)
func stringObject(od string) (keys, values []string, ok bool) {
	if !json.Valid([]byte(od)) || !utf8.ValidString(od) {
		return nil, nil, false
	}
	dec := json.NewDecoder(strings.NewReader(od))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, nil, false
		}
		val, err := dec.Token()
		s, isString := val.(string)
		if err != nil || !isString {
			return nil, nil, false
		}
		keys, values = append(keys, k.(string)), append(values, s)
	}
	return keys, values, true
}

// isObject reports whether encoding/json reads s as one JSON object.
func isObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

// hasFraction reports whether s may hold a number with a fraction or an
// exponent, which the strict parser refuses where an integer is expected.
func hasFraction(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == 'e' || s[i] == 'E' {
			return true
		}
	}
	return false
}
