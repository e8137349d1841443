package main

import (
	"fmt"
	"io"
	"net/url"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

var signOrderSpec = &spec{
	name:     "sign order",
	synopsis: "--secret-file FILE --orderdata-file FILE [--form]",
	about: `Sign orderdata as the platform does for an order launch: standard, padded
base64 of HMAC-SHA256(secret, orderdata), over the exact bytes of the
orderdata file (nothing is trimmed, parsed or re-serialized).

Without --form it prints the signature and a newline. With --form it prints
the complete application/x-www-form-urlencoded body,
"orderdata=…&hmacsignature=…", WITHOUT a trailing newline, so that the output
can be POSTed or passed to 'verify order --body-file' as it is.

Orderdata a verifier would refuse (not one JSON object, no hmacTimestamp,
duplicate keys) is still signed, with a warning on stderr.

Exit codes: 0 printed, 2 usage or input error.`,
	example: `  $ printf '{"hmacTimestamp":1767225600000,"installationId":"inst-1"}' > orderdata.json
  $ printf 'a-shared-secret-of-at-least-32-bytes' > secret.txt
  $ hmacgate sign order --secret-file secret.txt --orderdata-file orderdata.json
  AsCKyneQqPunpTg/87LFiGyR6UABP+ERItIpEKBDSL4=
  $ hmacgate sign order --secret-file secret.txt --orderdata-file orderdata.json --form > body.txt`,
}

func runSignOrder(e *env, args []string) int {
	s := signOrderSpec
	fs := newFlags(s)
	var secrets keySources
	addKeyFlags(fs, &secrets, "secret", false)
	odFile := fs.String("orderdata-file", "", "read orderdata from `FILE`, byte for byte (- is stdin)")
	form := fs.Bool("form", false, "print the whole form body (orderdata=…&hmacsignature=…) without a trailing newline")
	limit := fs.Int64("max-bytes", defaultBodyLimit, "refuse an orderdata file larger than `N` bytes")
	if code, done := e.parse(s, fs, args); done {
		return code
	}
	switch {
	case len(secrets) == 0:
		return e.usageError("hmacgate "+s.name, "--secret-file or --secret-env is required")
	case len(secrets) > 1:
		return e.usageError("hmacgate "+s.name, "give exactly one secret (--secret-file or --secret-env); only verify takes several")
	case *odFile == "":
		return e.usageError("hmacgate "+s.name, "--orderdata-file is required")
	case *limit <= 0:
		return e.usageError("hmacgate "+s.name, "--max-bytes must be positive")
	}
	keys, err := e.loadKeys(secrets)
	if err != nil {
		return e.inputError(err)
	}
	od, err := e.readInput("orderdata-file", *odFile, *limit)
	if err != nil {
		return e.inputError(err)
	}
	if len(od) == 0 {
		return e.inputError(fmt.Errorf("--orderdata-file %s is empty", *odFile))
	}
	var check order.OrderData
	if err := check.UnmarshalJSON(od); err != nil {
		fmt.Fprintf(e.stderr, "warning: verifiers will refuse this orderdata: %s: %s\n", hmacgate.ErrorCode(err), hmacgate.ErrorMessage(err))
	}
	sig := order.Sign(keys[0], od)
	if *form {
		// Built by hand, not with url.Values.Encode, which sorts the keys:
		// orderdata comes first, as the platform sends it.
		_, _ = io.WriteString(e.stdout, order.FieldOrderdata+"="+url.QueryEscape(string(od))+
			"&"+order.FieldSignature+"="+url.QueryEscape(sig))
		return exitOK
	}
	fmt.Fprintln(e.stdout, sig)
	return exitOK
}
