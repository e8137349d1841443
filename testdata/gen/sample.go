//go:build ignore

// The seed's Go sample, parameterized by key and message.
// Protocol: see sample.py. It uses crypto/hmac directly, not hmacgate.
package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

func connectDigest(hmacKey, integrationID, connectionID string) string {
	// Seed sample, verbatim apart from the parameters.
	message := integrationID + ":" + connectionID
	hmac := hmac.New(sha256.New, []byte(hmacKey))
	hmac.Write([]byte(message))
	digestBytes := hmac.Sum(nil)
	digest := hex.EncodeToString(digestBytes)
	return digest
}

func orderSignature(secret, orderdata string) string {
	// The order seed's steps: UTF-8 bytes, HMAC-SHA256, standard base64.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(orderdata))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func text(h string) string {
	b, err := hex.DecodeString(h)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if sc.Text() == "" {
			continue
		}
		f := strings.Split(sc.Text(), "\t")
		if f[0] == "connect" {
			fmt.Println(connectDigest(text(f[1]), text(f[2]), text(f[3])))
		} else {
			fmt.Println(orderSignature(text(f[1]), text(f[2])))
		}
	}
	if err := sc.Err(); err != nil {
		panic(err)
	}
}
