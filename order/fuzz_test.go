package order_test

import (
	"encoding/json"
	"errors"
	"net/url"
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
// one object; whatever encoding/json finds valid and duplicate-free it
// accepts (when it has an integer hmacTimestamp in the window).
func FuzzOrderdata(f *testing.F) {
	f.Add(refOrderdata)
	f.Add(`{"hmacTimestamp":1764151200000,"a":[{"b":{}}],"c":"\ud83d\ude00"}`)
	f.Add(`{"hmacTimestamp":1764151200000,"a":1,"A":2}`)
	f.Add(`{"hmacTimestamp":1764151200000} x`)
	f.Add(`{"hmacTimestamp":17641512e5}`)
	f.Add(`{"hmacTimestamp":1764151200000,"orderId":1.5,"estateId":null,"x":"\u0000"}`)
	v := refVerifier()
	f.Fuzz(func(t *testing.T, od string) {
		if od == "" {
			return
		}
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
				t.Logf("strict refusal of valid JSON (allowed for non-string fields): %v", err)
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

func isObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

func hasFraction(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' || s[i] == 'e' || s[i] == 'E' {
			return true
		}
	}
	return false
}
