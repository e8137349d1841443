package main

import (
	"fmt"

	"github.com/hmacgate/hmacgate/connect"
)

var signConnectSpec = &spec{
	name:     "sign connect",
	synopsis: "--key-file FILE --integration ID --connection ID",
	about: `Print the connect authorization digest that a backend hands to its frontend:
lowercase hex of HMAC-SHA256(key, "<integration>:<connection>"), then a
newline. It is the same digest as the code samples compute in every language.

The key is the exact bytes of the key file minus one trailing newline (or
of --key-env). Integration IDs may not contain ':' (error ambiguous_id).

Exit codes: 0 printed, 2 usage or input error (including ambiguous_id and
missing_id).`,
	example: `  # "secret" is the seeds' sample key: too short (a warning), but easy to check elsewhere.
  $ printf 'secret' > key.txt
  $ hmacgate sign connect --key-file key.txt --integration github --connection user-1
  3605b55773b41a876033068bb1e4e9de4f2d8f8c324e6f35591eb8ce4654c72a`,
}

func runSignConnect(e *env, args []string) int {
	s := signConnectSpec
	fs := newFlags(s)
	var keys keySources
	addKeyFlags(fs, &keys, "key", false)
	integration := fs.String("integration", "", "the integration `ID` (may not contain ':')")
	connection := fs.String("connection", "", "the connection `ID`")
	if code, done := e.parse(s, fs, args); done {
		return code
	}
	switch {
	case len(keys) == 0:
		return e.usageError("hmacgate "+s.name, "--key-file or --key-env is required")
	case len(keys) > 1:
		return e.usageError("hmacgate "+s.name, "give exactly one key (--key-file or --key-env); only verify takes several")
	}
	ks, err := e.loadKeys(keys)
	if err != nil {
		return e.inputError(err)
	}
	digest, err := connect.Digest(ks[0], *integration, *connection)
	if err != nil {
		return e.cannotSign(err)
	}
	fmt.Fprintln(e.stdout, digest)
	return exitOK
}
