package platform

import (
	"context"
	"strings"
	"time"
)

// Kinds of values sealed under the master key. A kind names the table that
// holds the value; with the row's key it makes the seal context the value is
// bound to (see [SealContext]).
const (
	SealedHMACKey       = "hmac_key"       // an environment's HMAC key: env ID, key ID
	SealedProductSecret = "product_secret" // a product's secret: env ID, product ID, secret ID
	SealedConnection    = "connection"     // an end user's credentials: env ID, integration ID, connection ID
)

// SealedKinds lists every kind of sealed value a reseal must rewrite. A
// table that keeps a new kind adds it here and to the store's list of
// sealed columns.
var SealedKinds = []string{SealedHMACKey, SealedProductSecret, SealedConnection}

// SealContext is the seal context of a value of the given kind in the row
// with the given key: a value copied into another row does not open.
func SealContext(kind string, key ...string) string {
	return kind + ":" + strings.Join(key, ":")
}

// SealedValue is one value sealed under the master key and the row that
// holds it.
type SealedValue struct {
	Kind   string
	Key    []string
	Sealed []byte
}

// Context is the seal context the value is bound to.
func (v SealedValue) Context() string { return SealContext(v.Kind, v.Key...) }

// MaintenanceStore is what the operator's maintenance needs of the store:
// the reseal of master-key rotation walks the sealed values, and the
// retention sweep deletes old log rows and spent orderdata.
type MaintenanceStore interface {
	// SealedValues returns up to limit values of a sealed kind whose row key
	// sorts after after (nil: from the start), in key order.
	SealedValues(ctx context.Context, kind string, after []string, limit int) ([]SealedValue, error)
	// ReplaceSealed stores resealed in v's row if the row still holds
	// v.Sealed; replaced is false when the row changed or went meanwhile.
	ReplaceSealed(ctx context.Context, v SealedValue, resealed []byte) (replaced bool, err error)

	// DeleteLogsBefore deletes the rows of every retained log (the launch
	// log, the audit log, the connect report) older than before, and
	// returns how many went, by log.
	DeleteLogsBefore(ctx context.Context, before time.Time) (map[string]int64, error)
	// ForgetOrderdata empties the orderdata of launches that were used, of
	// test deliveries, and of launches created before expiredBefore (their
	// link has expired); the rest of each row stays for the launch log.
	ForgetOrderdata(ctx context.Context, expiredBefore time.Time) (int64, error)
}
