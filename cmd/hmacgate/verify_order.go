package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

var verifyOrderSpec = &spec{
	name: "verify order",
	synopsis: `--secret-file FILE [--secret-file FILE2 …] --body-file FILE
                    [--max-age 5m] [--max-future 1m] [--now RFC3339|unix-ms]
                    [--expect installationId=VALUE …] [--explain]`,
	about: `Check a signed order form body the way a partner must: the hmacsignature
against every secret (current first, then retiring ones), the orderdata JSON,
hmacTimestamp against the clock, and values bound to the URL (--expect).
The body file is read byte for byte, as the request body would be.

On success it prints the order as JSON on stdout: "order" (the orderdata
fields), "key_index" (0 for the current secret, higher for a retiring one),
"signed_at" (hmacTimestamp as a time) and "orderdata" (the exact signed text).

--explain, on a refusal, prints a diagnosis after the error line on stderr:
the likely cause found by trying the usual mistakes (hex instead of base64,
a re-serialized body, an unencoded '+', a retired secret, seconds instead of
milliseconds …). On success it prints a short note on stderr; stdout stays
the JSON.

Exit codes: 0 valid; 1 refused, with "error: <code>: <message>" on stderr
(signature_mismatch, malformed_signature, timestamp_expired,
timestamp_in_future, binding_mismatch, …); 2 usage or input error.`,
	example: `  $ printf '{"hmacTimestamp":1767225600000,"installationId":"inst-1"}' > orderdata.json
  $ printf 'a-shared-secret-of-at-least-32-bytes' > secret.txt
  $ hmacgate sign order --secret-file secret.txt --orderdata-file orderdata.json --form > body.txt
  $ hmacgate verify order --secret-file secret.txt --body-file body.txt --now 2026-01-01T00:00:30Z --expect installationId=inst-1`,
}

// verifiedOrder is what verify order prints on success.
type verifiedOrder struct {
	Order     json.RawMessage `json:"order"`
	KeyIndex  int             `json:"key_index"`
	SignedAt  string          `json:"signed_at"`
	Orderdata string          `json:"orderdata"`
}

func runVerifyOrder(e *env, args []string) int {
	s := verifyOrderSpec
	usage := func(format string, args ...any) int { return e.usageError("hmacgate "+s.name, format, args...) }
	fs := newFlags(s)
	var secrets keySources
	addKeyFlags(fs, &secrets, "secret", true)
	bodyFile := fs.String("body-file", "", "read the form body from `FILE`, byte for byte (- is stdin)")
	maxAge := fs.Duration("max-age", order.DefaultMaxAge, "refuse orders whose hmacTimestamp is older than `DURATION`")
	maxFuture := fs.Duration("max-future", order.DefaultMaxFuture, "refuse orders whose hmacTimestamp is further ahead than `DURATION`")
	nowFlag := fs.String("now", "", "check the timestamp against `TIME` instead of the clock: RFC 3339 or Unix milliseconds")
	var expects stringList
	fs.Var(&expects, "expect", "require that a signed field equals a value, as `FIELD=VALUE` (e.g. installationId=… from the URL); repeatable")
	explain := fs.Bool("explain", false, "explain a refusal: print a diagnosis on stderr")
	limit := fs.Int64("max-bytes", defaultBodyLimit, "refuse a body file larger than `N` bytes")
	if code, done := e.parse(s, fs, args); done {
		return code
	}
	switch {
	case len(secrets) == 0:
		return usage("--secret-file or --secret-env is required")
	case *bodyFile == "":
		return usage("--body-file is required")
	case *maxAge <= 0:
		return usage("--max-age must be positive")
	case *maxFuture <= 0:
		return usage("--max-future must be positive")
	case *limit <= 0:
		return usage("--max-bytes must be positive")
	}
	var expectations []order.Expectation
	for _, x := range expects {
		field, value, ok := strings.Cut(x, "=")
		if !ok || field == "" {
			return usage("--expect %q: want FIELD=VALUE, e.g. installationId=inst-1", x)
		}
		expectations = append(expectations, order.Expect(field, value))
	}
	now := time.Now
	if *nowFlag != "" {
		t, err := parseNow(*nowFlag)
		if err != nil {
			return usage("--now: %v", err)
		}
		now = func() time.Time { return t }
	}

	keys, err := e.loadKeys(secrets)
	if err != nil {
		return e.inputError(err)
	}
	ring, err := hmacgate.NewKeyring(keys[0], keys[1:]...)
	if err != nil {
		return e.inputError(errors.New(hmacgate.ErrorMessage(err)))
	}
	body, err := e.readInput("body-file", *bodyFile, *limit)
	if err != nil {
		return e.inputError(err)
	}

	v := order.NewVerifier(ring)
	v.MaxAge, v.MaxFuture, v.Now = *maxAge, *maxFuture, now
	o, err := v.VerifyBody(body, expectations...)
	if err != nil {
		e.printRefusal(err)
		if hmacgate.ErrorCode(err) == "malformed_signature" && bytes.HasSuffix(body, []byte("\n")) {
			fmt.Fprintln(e.stderr, "hint: the body file ends with a newline, which became part of hmacsignature; write the body without one ('sign order --form' does)")
		}
		if *explain {
			printFindings(e, v.Explain(body, expectations))
		}
		return exitRefused
	}

	od, err := o.OrderData.MarshalJSON()
	if err != nil {
		// Cannot happen for orderdata that was just parsed; never accept silently.
		return e.refused(err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(verifiedOrder{
		Order:     od,
		KeyIndex:  o.KeyIndex,
		SignedAt:  o.Time().UTC().Format(time.RFC3339Nano),
		Orderdata: o.Orderdata,
	}); err != nil {
		return e.refused(err)
	}
	_, _ = e.stdout.Write(out.Bytes())
	if *explain {
		printFindings(e, v.Explain(body, expectations))
	} else if o.KeyIndex > 0 {
		fmt.Fprintf(e.stderr, "note: secret #%d is a retiring secret: the sender has not switched to the current secret (#0) yet\n", o.KeyIndex)
	}
	return exitOK
}

// printFindings writes a diagnosis's findings to stderr; the refusal line
// itself was printed already.
func printFindings(e *env, d *order.Diagnosis) {
	if d.Code == "" {
		fmt.Fprintln(e.stderr, "explain: "+d.Message)
	}
	for _, f := range d.Findings {
		fmt.Fprintln(e.stderr, "  - "+f)
	}
}

// parseNow parses --now: RFC 3339 (with optional fractional seconds) or an
// integer of Unix milliseconds.
func parseNow(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-01-01T00:00:00Z) nor Unix milliseconds", s)
	}
	return t, nil
}
