package main

import (
	"fmt"

	"github.com/hmacgate/hmacgate"
)

var keygenSpec = &spec{
	name:     "keygen",
	synopsis: "",
	about: `Print a new key: 32 bytes from crypto/rand, written as "hgk_" followed by
43 characters of unpadded base64url, then a newline. The whole string,
prefix included, is the key; the newline is not (key files may end with one).

Use it as a connect HMAC key or as an order secret. Store it like a password.`,
	example: `  $ hmacgate keygen > key.txt
  $ hmacgate sign connect --key-file key.txt --integration github --connection user-1`,
}

func runKeygen(e *env, args []string) int {
	fs := newFlags(keygenSpec)
	if code, done := e.parse(keygenSpec, fs, args); done {
		return code
	}
	fmt.Fprintln(e.stdout, hmacgate.GenerateKey().Reveal())
	return exitOK
}
