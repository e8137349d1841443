package main

import (
	"fmt"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

var verifyConnectSpec = &spec{
	name:     "verify connect",
	synopsis: "--key-file FILE [--key-file FILE2 …] --integration ID --connection ID --hmac DIGEST",
	about: `Check a connect authorization digest the way the platform does: HMAC-SHA256
of "<integration>:<connection>" under each key, compared in constant time.
Upper- and lowercase hex are accepted.

Give the current key first and retiring keys after it; on success it prints
"valid (key #N)", where N is the index of the key that matched (0 is the
current key). --hmac '' checks an auth call that carries no digest
(missing_hmac).

Exit codes: 0 valid; 1 refused, with "error: <code>: <message>" on stderr
(missing_hmac, invalid_hmac, ambiguous_id, missing_id); 2 usage or input
error.`,
	example: `  # "secret" is too short for real use (a warning on stderr); make keys with hmacgate keygen.
  $ printf 'secret' > key.txt
  $ hmacgate verify connect --key-file key.txt --integration github --connection user-1 --hmac 3605b55773b41a876033068bb1e4e9de4f2d8f8c324e6f35591eb8ce4654c72a
  valid (key #0)`,
}

func runVerifyConnect(e *env, args []string) int {
	s := verifyConnectSpec
	fs := newFlags(s)
	var keys keySources
	addKeyFlags(fs, &keys, "key", true)
	integration := fs.String("integration", "", "the integration `ID`")
	connection := fs.String("connection", "", "the connection `ID`")
	var digest stringList
	fs.Var(&digest, "hmac", "the `DIGEST` to check: 64 hex characters (required; '' means the call had none)")
	if code, done := e.parse(s, fs, args); done {
		return code
	}
	switch {
	case len(keys) == 0:
		return e.usageError("hmacgate "+s.name, "--key-file or --key-env is required")
	case len(digest) == 0:
		return e.usageError("hmacgate "+s.name, "--hmac is required (use --hmac '' to check a call without a digest)")
	case len(digest) > 1:
		return e.usageError("hmacgate "+s.name, "--hmac given more than once")
	}
	ks, err := e.loadKeys(keys)
	if err != nil {
		return e.inputError(err)
	}
	ring, err := hmacgate.NewKeyring(ks[0], ks[1:]...)
	if err != nil {
		return e.inputError(fmt.Errorf("%s", hmacgate.ErrorMessage(err)))
	}
	i, err := connect.VerifyAt(ring, *integration, *connection, digest[0], time.Now())
	if err != nil {
		return e.refused(err)
	}
	fmt.Fprintf(e.stdout, "valid (key #%d)\n", i)
	if i > 0 {
		fmt.Fprintf(e.stderr, "note: key #%d is a retiring key: the signer has not switched to the current key (#0) yet\n", i)
	}
	return exitOK
}
