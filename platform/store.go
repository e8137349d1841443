package platform

import (
	"context"
	"time"
)

// HMACMode says what the platform does with the digest of a connect call.
type HMACMode string

// HMAC modes of an environment.
const (
	// ModeOff accepts every auth call and does not look at the digest.
	ModeOff HMACMode = "off"
	// ModeReport accepts every auth call and counts and logs those that
	// enforce would refuse, so a customer can check its code before
	// switching to enforce.
	ModeReport HMACMode = "report"
	// ModeEnforce refuses auth calls without a valid digest.
	ModeEnforce HMACMode = "enforce"
)

// Valid reports whether m is one of the three modes.
func (m HMACMode) Valid() bool { return m == ModeOff || m == ModeReport || m == ModeEnforce }

// AuthMode is how an integration's end users authenticate to it.
type AuthMode string

// Auth modes of an integration.
const (
	AuthNone   AuthMode = "none"
	AuthAPIKey AuthMode = "api_key"
	AuthBasic  AuthMode = "basic"
)

// Valid reports whether m is a known auth mode.
func (m AuthMode) Valid() bool { return m == AuthNone || m == AuthAPIKey || m == AuthBasic }

// Environment is a customer's environment: its keys for the API and the
// browser, and its HMAC settings.
type Environment struct {
	ID   string
	Name string
	// PublicKey identifies the environment to browsers; it is not secret.
	PublicKey string
	// SecretKeyHash is the SHA-256 of the environment's secret API key; the
	// key itself is shown once and never stored.
	SecretKeyHash []byte
	HMACMode      HMACMode
	CreatedAt     time.Time
	// Version grows with every change to the environment, its keys, its
	// mode or its integrations; caches compare it to know when to reload.
	Version int64
}

// StoredKey is an HMAC key as stored: sealed (encrypted) under the master key.
type StoredKey struct {
	ID     string
	EnvID  string
	Sealed []byte
	// RetiresAt is zero for the current key; a retiring key is accepted
	// until RetiresAt.
	RetiresAt time.Time
	CreatedAt time.Time
}

// Integration is a third-party API that end users connect to.
type Integration struct {
	EnvID     string
	ID        string
	Name      string
	AuthMode  AuthMode
	CreatedAt time.Time
}

// Connection is an end user's authorized connection to an integration.
type Connection struct {
	EnvID         string
	IntegrationID string
	ConnectionID  string
	// SealedCredentials are the end user's credentials, sealed; nil when the
	// integration needs none.
	SealedCredentials []byte
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// ConnectionFilter selects connections for listing.
type ConnectionFilter struct {
	EnvID         string
	IntegrationID string // optional
	Search        string // optional: substring of the connection ID
	After         string // optional: cursor, the last "integration/connection" of the previous page
	Limit         int
}

// ReportCount counts the digests of connect calls in one hour.
type ReportCount struct {
	EnvID   string
	Hour    time.Time // truncated to the hour, UTC
	Valid   int64
	Missing int64
	Invalid int64
}

// AuditEntry records a change: when, by which credential, what.
type AuditEntry struct {
	ID     int64
	At     time.Time
	EnvID  string // empty for changes outside an environment
	Actor  string // "admin", "env:<id>", "system", or "connect" (an end user through the connect gate)
	Action string // e.g. "environment.create", "hmac.key.create", "hmac.mode.set"
	Detail string // never a secret
}

// SettingAdminToken names the setting that holds the SHA-256 of the admin
// token; the token itself is shown once and never stored.
const SettingAdminToken = "admin_token_sha256"

// Store keeps the platform's state. Every method that changes state takes
// the audit entry to write in the same transaction, so a change and its
// record are never separated. Lookups of missing rows return [ErrNotFound];
// inserts of existing rows return [ErrConflict].
type Store interface {
	CreateEnvironment(ctx context.Context, env *Environment, audit AuditEntry) error
	Environment(ctx context.Context, id string) (*Environment, error)
	EnvironmentByPublicKey(ctx context.Context, publicKey string) (*Environment, error)
	EnvironmentBySecretHash(ctx context.Context, hash []byte) (*Environment, error)
	Environments(ctx context.Context) ([]*Environment, error)
	DeleteEnvironment(ctx context.Context, id string, audit AuditEntry) error
	SetHMACMode(ctx context.Context, envID string, mode HMACMode, audit AuditEntry) error

	// AddHMACKey makes key the environment's current key; keys that were
	// current retire at retirePreviousAt (now or earlier removes them).
	AddHMACKey(ctx context.Context, key *StoredKey, retirePreviousAt time.Time, audit AuditEntry) error
	// HMACKeys returns the environment's keys that are current or still
	// retiring at now, newest first.
	HMACKeys(ctx context.Context, envID string, now time.Time) ([]StoredKey, error)

	CreateIntegration(ctx context.Context, in *Integration, audit AuditEntry) error
	Integration(ctx context.Context, envID, id string) (*Integration, error)
	Integrations(ctx context.Context, envID string) ([]*Integration, error)

	// UpsertConnection creates the connection or replaces its credentials;
	// created says which. The audit entry is written in the same transaction.
	UpsertConnection(ctx context.Context, c *Connection, audit AuditEntry) (created bool, err error)
	Connection(ctx context.Context, envID, integrationID, connectionID string) (*Connection, error)
	Connections(ctx context.Context, f ConnectionFilter) ([]*Connection, error)
	DeleteConnection(ctx context.Context, envID, integrationID, connectionID string, audit AuditEntry) error

	// AddReportCounts adds counts to the hourly rows.
	AddReportCounts(ctx context.Context, counts []ReportCount) error
	Report(ctx context.Context, envID string, since time.Time) ([]ReportCount, error)

	AuditLog(ctx context.Context, envID string, limit int) ([]AuditEntry, error)

	// Setting and SetSetting keep small values such as the admin token's hash.
	Setting(ctx context.Context, name string) ([]byte, error)
	SetSetting(ctx context.Context, name string, value []byte, audit AuditEntry) error
	// DeleteSetting removes a setting; ErrNotFound if there is none.
	DeleteSetting(ctx context.Context, name string, audit AuditEntry) error

	PartnerStore

	Ping(ctx context.Context) error
	Close() error
}
