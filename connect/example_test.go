package connect_test

import (
	"fmt"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/connect"
)

// The customer's backend signs the IDs and hands the digest to its
// frontend, which passes it as hmac in the auth call.
func ExampleDigest() {
	key := hmacgate.MustParseKey("<HMAC-KEY>") // from the environment settings; keep it in the backend
	digest, err := connect.Digest(key, "<INTEGRATION-ID>", "<CONNECTION-ID>")
	if err != nil {
		panic(err)
	}
	fmt.Println(digest)
	// Output: 3925b36c175563f4fdca3351cdff5e0d5af4248b5e2f31e512b14a05d04696cd
}

// The platform checks the digest against the environment's keys: the
// current one and, during a rotation, the retiring one.
func ExampleVerify() {
	current := hmacgate.MustParseKey("hgk_current-key-0123456789abcdefghijklmnopq")
	retiring := hmacgate.MustParseKey("hgk_old-key-0123456789abcdefghijklmnopqrstuv")
	keyring := hmacgate.MustNewKeyring(current, retiring)

	digest, _ := connect.Digest(retiring, "github", "user-1")
	fmt.Println(connect.Verify(keyring, "github", "user-1", digest))
	fmt.Println(connect.Verify(keyring, "github", "user-2", digest))
	fmt.Println(connect.Verify(keyring, "github", "user-1", ""))
	// Output:
	// <nil>
	// invalid_hmac: the hmac digest is not valid for this integration and connection; check the key and the IDs
	// missing_hmac: the auth call has no hmac digest; sign <integration>:<connection> in your backend and pass the digest
}
