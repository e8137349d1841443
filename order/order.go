package order

import (
	"encoding/json"
	"time"
)

// Form field names of a signed order request.
const (
	FieldOrderdata = "orderdata"
	FieldSignature = "hmacsignature"
)

// JSON field names inside orderdata, in the order the scheme documents them.
const (
	KeyTimestamp                    = "hmacTimestamp"
	KeyCurrentUserID                = "currentUserId"
	KeyCurrentUserEmail             = "currentUserEmail"
	KeyCurrentUserName              = "currentUserName"
	KeyCorrelationID                = "correlationId"
	KeyOrderURL                     = "orderUrl"
	KeyInstallationID               = "installationId"
	KeyOrderID                      = "orderId"
	KeyEstateID                     = "estateId"
	KeyDepartmentID                 = "departmentId"
	KeyDepartmentOrganizationNumber = "departmentOrganizationNumber"
)

// Defaults for a [Verifier].
const (
	DefaultMaxAge    = 5 * time.Minute
	DefaultMaxFuture = 1 * time.Minute
)

// User is the platform user who launched the order; a partner uses it for
// single sign-on.
type User struct {
	ID    string // currentUserId
	Email string // currentUserEmail
	Name  string // currentUserName
}

// OrderData is the content of orderdata. IDs that arrive as JSON numbers are
// kept as their decimal text; fields the scheme does not document are kept
// in Extra, not refused.
type OrderData struct {
	// Timestamp is hmacTimestamp: Unix time in milliseconds.
	Timestamp int64
	// User holds currentUserId, currentUserEmail and currentUserName.
	User                         User
	CorrelationID                string // correlationId
	OrderURL                     string // orderUrl
	InstallationID               string // installationId
	OrderID                      string // orderId
	EstateID                     string // estateId
	DepartmentID                 string // departmentId
	DepartmentOrganizationNumber string // departmentOrganizationNumber
	// Extra holds undocumented fields as raw JSON values, by key.
	Extra map[string]json.RawMessage

	// present has bit i set when documentedKeys[i] was in the parsed JSON.
	present uint16
}

// Time returns Timestamp as a time.
func (d *OrderData) Time() time.Time { return time.UnixMilli(d.Timestamp) }

// Field returns the string value of a documented field by its JSON name (for
// hmacTimestamp, its decimal text), or of an Extra field holding a JSON
// string or number. ok is false for a field that is absent (or null) in
// parsed orderdata, and for an empty field of OrderData built in code.
func (d *OrderData) Field(name string) (value string, ok bool) {
	if i := exactDocumentedIndex(name); i >= 0 {
		if name == KeyTimestamp {
			return formatInt(d.Timestamp), d.present&1 != 0 || d.Timestamp != 0
		}
		v := *d.stringField(name)
		return v, d.present&(1<<i) != 0 || v != ""
	}
	raw, ok := d.Extra[name]
	if !ok {
		return "", false
	}
	v, err := scalarText(string(raw))
	if err != nil {
		return "", false
	}
	return v, true
}

// stringField returns a pointer to the documented string field with the
// given JSON name, or nil.
func (d *OrderData) stringField(name string) *string { return d.fieldAt(exactDocumentedIndex(name)) }

// fieldAt returns a pointer to the documented string field with index i in
// documentedKeys, or nil (for hmacTimestamp, index 0, and for -1).
func (d *OrderData) fieldAt(i int) *string {
	switch i {
	case 1:
		return &d.User.ID
	case 2:
		return &d.User.Email
	case 3:
		return &d.User.Name
	case 4:
		return &d.CorrelationID
	case 5:
		return &d.OrderURL
	case 6:
		return &d.InstallationID
	case 7:
		return &d.OrderID
	case 8:
		return &d.EstateID
	case 9:
		return &d.DepartmentID
	case 10:
		return &d.DepartmentOrganizationNumber
	}
	return nil
}

// stringKeys lists the documented string fields in documented order.
var stringKeys = [...]string{
	KeyCurrentUserID, KeyCurrentUserEmail, KeyCurrentUserName, KeyCorrelationID,
	KeyOrderURL, KeyInstallationID, KeyOrderID, KeyEstateID, KeyDepartmentID,
	KeyDepartmentOrganizationNumber,
}

// MarshalJSON encodes d as orderdata, exactly as [Marshal] does.
func (d OrderData) MarshalJSON() ([]byte, error) { return Marshal(d) }

// UnmarshalJSON parses orderdata strictly: one JSON object of valid UTF-8,
// no duplicate keys, hmacTimestamp an integer.
func (d *OrderData) UnmarshalJSON(b []byte) error {
	var out OrderData
	if err := parseOrderdata(string(b), &out); err != nil {
		return err
	}
	*d = out
	return nil
}

// Order is a verified order.
type Order struct {
	OrderData
	// Orderdata is the orderdata text exactly as received and verified.
	Orderdata string
	// KeyIndex is the index in the verifier's keyring of the secret that
	// matched: 0 for the primary secret, higher for retiring ones.
	KeyIndex int

	mac [32]byte
}

// MAC returns the verified HMAC, the decoded hmacsignature. It identifies
// the order for replay protection.
func (o *Order) MAC() [32]byte { return o.mac }
