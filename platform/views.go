package platform

import (
	"net/url"
	"time"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// The platform's answers and requests as the JSON API reads and writes
// them and the console shows them: one shape for both, so a page never
// shows something the API would say differently.

// KeyInfo describes an environment's HMAC key without its value.
type KeyInfo struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"` // "current" or "retiring"
	RetiresAt *time.Time `json:"retires_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// KeyInfos describes stored keys, in their order.
func KeyInfos(keys []StoredKey) []KeyInfo {
	out := make([]KeyInfo, 0, len(keys))
	for _, k := range keys {
		j := KeyInfo{ID: k.ID, Status: "current", CreatedAt: k.CreatedAt}
		if !k.RetiresAt.IsZero() {
			t := k.RetiresAt
			j.Status, j.RetiresAt = "retiring", &t
		}
		out = append(out, j)
	}
	return out
}

// NewKey is an HMAC key just made: the only time its value is at hand.
type NewKey struct {
	ID        string
	Key       hmacgate.Key
	CreatedAt time.Time
	// RetirePreviousAt is when the keys that were current stop working.
	RetirePreviousAt time.Time
	// Keys are the environment's keys now, newest first.
	Keys []StoredKey
}

// ReportHour counts one hour's connect calls by the verdict on their digest.
type ReportHour struct {
	Hour    time.Time `json:"hour"`
	Valid   int64     `json:"valid"`
	Missing int64     `json:"missing"`
	Invalid int64     `json:"invalid"`
}

// Report is the last 24 hours of connect-call verdicts, hour by hour, with
// a verdict in words: would switching to enforce refuse any of them?
type Report struct {
	Mode    string       `json:"mode"`
	Hours   []ReportHour `json:"hours"`
	Valid   int64        `json:"valid"`
	Missing int64        `json:"missing"`
	Invalid int64        `json:"invalid"`
	Verdict string       `json:"verdict"`
}

// IntegrationInput is what creates an integration.
type IntegrationInput struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	AuthMode string `json:"auth_mode"`
}

// ProductInput is what creates a product.
type ProductInput struct {
	Name        string `json:"name"`
	OrderURL    string `json:"order_url"`
	HMACEnabled *bool  `json:"hmac_enabled"` // nil: on, the default for new products
}

// ProductPatch is a change to a product; nil fields stay as they are.
type ProductPatch struct {
	Name        *string `json:"name"`
	OrderURL    *string `json:"order_url"`
	HMACEnabled *bool   `json:"hmac_enabled"`
}

// HMACOffWarning says what switching a product's HMAC off means of switching a product's HMAC off.
const HMACOffWarning = "HMAC is now off for this product: its orders are sent unsigned, and the partner cannot tell them from forged ones"

// ProductInfo is a product with the state of its secrets at one time.
type ProductInfo struct {
	ID              string       `json:"id"`
	Name            string       `json:"name"`
	OrderURL        string       `json:"order_url"`
	HMACEnabled     bool         `json:"hmac_enabled"`
	CreatedAt       time.Time    `json:"created_at"`
	UpdatedAt       time.Time    `json:"updated_at"`
	SigningSecretID string       `json:"signing_secret_id,omitempty"`
	SwitchAt        *time.Time   `json:"switch_at,omitempty"`
	Secrets         []SecretInfo `json:"secrets"`
	Warning         string       `json:"warning,omitempty"`
}

// SecretInfo describes a product secret without its value.
type SecretInfo struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"` // signing, propagating, retired
	CreatedAt  time.Time  `json:"created_at"`
	ActiveFrom time.Time  `json:"active_from"`
	RetiredAt  *time.Time `json:"retired_at,omitempty"`
}

// NewSecret is a product secret just made: the only time its value is at hand.
type NewSecret struct {
	ID     string
	Secret hmacgate.Key
	// ActiveFrom is when it starts signing; until then the previous secret signs.
	ActiveFrom time.Time
	Product    ProductInfo
}

// OrderRequest is what a launch or a test order carries besides what the
// platform adds (timestamp, correlation ID, order URL).
type OrderRequest struct {
	ProductID                    string `json:"productId"`
	InstallationID               string `json:"installationId"`
	OrderID                      string `json:"orderId"`
	EstateID                     string `json:"estateId"`
	DepartmentID                 string `json:"departmentId"`
	DepartmentOrganizationNumber string `json:"departmentOrganizationNumber"`
	User                         struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		Name  string `json:"name"`
	} `json:"user"`
}

// DefaultTestOrder is the order a test delivery sends unless told otherwise:
// every field filled with a value that says it is a test.
func DefaultTestOrder() OrderRequest {
	in := OrderRequest{InstallationID: "test-installation", OrderID: "test-order", EstateID: "test-estate",
		DepartmentID: "test-department", DepartmentOrganizationNumber: "000000000"}
	in.User.ID, in.User.Email, in.User.Name = "test-user", "test.user@example.com", "Test Testesen"
	return in
}

// SignedOrder is an order built, signed and logged.
type SignedOrder struct {
	CorrelationID string `json:"correlationId"`
	OrderURL      string `json:"orderUrl"`
	Orderdata     string `json:"orderdata"`
	Signature     string `json:"hmacsignature,omitempty"`
	SecretID      string `json:"secretId,omitempty"`
	LaunchURL     string `json:"launchUrl,omitempty"`
}

// Form is the order as the partner receives it: orderdata and, when the
// order is signed, hmacsignature.
func (o *SignedOrder) Form() url.Values {
	v := url.Values{order.FieldOrderdata: {o.Orderdata}}
	if o.Signature != "" {
		v.Set(order.FieldSignature, o.Signature)
	}
	return v
}

// Delivery is the outcome of a server-to-server delivery.
type Delivery struct {
	Status  int    `json:"status"`
	Body    string `json:"body"`
	Latency int64  `json:"latency_ms"`
	Error   string `json:"error,omitempty"`
}

// TestDelivery is a signed test order and what the partner answered.
type TestDelivery struct {
	Order    *SignedOrder `json:"order"`
	Delivery Delivery     `json:"delivery"`
}

// LaunchInfo is an entry of the launch log, without the order's data.
type LaunchInfo struct {
	CorrelationID string     `json:"correlationId"`
	ProductID     string     `json:"productId"`
	Kind          string     `json:"kind"`
	CreatedAt     time.Time  `json:"created_at"`
	Result        string     `json:"result"`
	LatencyMS     int64      `json:"latency_ms,omitempty"`
	Signed        bool       `json:"signed"`
	OpenedAt      *time.Time `json:"opened_at,omitempty"`
}

// FiddleRequest asks the fiddle to check a signed order.
type FiddleRequest struct {
	Secrets   []string          `json:"secrets"`
	Orderdata string            `json:"orderdata"`
	Signature string            `json:"hmacsignature"`
	Body      string            `json:"body"` // a whole form body instead of the two fields
	Now       string            `json:"now"`  // RFC 3339 or Unix ms; default: the server's clock
	MaxAge    string            `json:"max_age"`
	MaxFuture string            `json:"max_future"`
	Expect    map[string]string `json:"expect"`
}

// FiddleResult is the fiddle's verdict on an order and its diagnosis.
type FiddleResult struct {
	Valid    bool             `json:"valid"`
	Code     string           `json:"code,omitempty"`
	Message  string           `json:"message"`
	Findings []string         `json:"findings"`
	KeyIndex int              `json:"key_index"`
	Order    *order.OrderData `json:"order,omitempty"`
}
