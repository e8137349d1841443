// Package storetest is the conformance suite for [platform.Store]
// implementations. Every store package runs it against a fresh database.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// Run runs the whole suite. open returns a new, empty, migrated store; the
// suite closes it.
func Run(t *testing.T, open func(t *testing.T) platform.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, platform.Store)
	}{
		{"Environments", testEnvironments},
		{"HMACKeys", testHMACKeys},
		{"Integrations", testIntegrations},
		{"Connections", testConnections},
		{"ConcurrentUpsert", testConcurrentUpsert},
		{"Report", testReport},
		{"AuditAndSettings", testAuditAndSettings},
		{"DeleteCascades", testDeleteCascades},
		{"Products", testProducts},
		{"ProductSecrets", testProductSecrets},
		{"Launches", testLaunches},
		{"AddSetting", testAddSetting},
		{"SecretKeyRotation", testSecretKeyRotation},
		{"SealedValues", testSealedValues},
		{"Retention", testRetention},
		{"ForgetOrderdata", testForgetOrderdata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tt.fn(t, s)
		})
	}
}

var ctx = context.Background()

// at is a fixed instant with millisecond precision, as the stores keep it.
var at = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func audit(action string) platform.AuditEntry {
	return platform.AuditEntry{At: at, Actor: "admin", Action: action, Detail: "test"}
}

// MustEnv creates an environment named name.
func MustEnv(t *testing.T, s platform.Store, id string) *platform.Environment {
	t.Helper()
	e := &platform.Environment{ID: id, Name: "env " + id, PublicKey: "pk_" + id, SecretKeyHash: []byte("hash-" + id),
		HMACMode: platform.ModeOff, CreatedAt: at}
	if err := s.CreateEnvironment(ctx, e, audit("environment.create")); err != nil {
		t.Fatalf("CreateEnvironment: %v", err)
	}
	return e
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v; want %v", err, want)
	}
}

func testEnvironments(t *testing.T, s platform.Store) {
	e := MustEnv(t, s, "env1")
	MustEnv(t, s, "env2")
	for _, get := range []func() (*platform.Environment, error){
		func() (*platform.Environment, error) { return s.Environment(ctx, "env1") },
		func() (*platform.Environment, error) { return s.EnvironmentByPublicKey(ctx, "pk_env1") },
		func() (*platform.Environment, error) { return s.EnvironmentBySecretHash(ctx, []byte("hash-env1")) },
	} {
		got, err := get()
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != e.ID || got.Name != e.Name || got.PublicKey != e.PublicKey || string(got.SecretKeyHash) != "hash-env1" ||
			got.HMACMode != platform.ModeOff || !got.CreatedAt.Equal(at) || got.Version != 1 {
			t.Errorf("got %+v; want %+v", got, e)
		}
	}
	_, err := s.Environment(ctx, "nope")
	wantErr(t, err, platform.ErrNotFound)
	_, err = s.EnvironmentByPublicKey(ctx, "nope")
	wantErr(t, err, platform.ErrNotFound)
	wantErr(t, s.CreateEnvironment(ctx, &platform.Environment{ID: "env1", PublicKey: "x", SecretKeyHash: []byte("y"), HMACMode: platform.ModeOff, CreatedAt: at}, audit("x")), platform.ErrConflict)
	wantErr(t, s.CreateEnvironment(ctx, &platform.Environment{ID: "env3", PublicKey: "pk_env1", SecretKeyHash: []byte("z"), HMACMode: platform.ModeOff, CreatedAt: at}, audit("x")), platform.ErrConflict)
	// Names are unique: a person tells environments apart by name.
	wantErr(t, s.CreateEnvironment(ctx, &platform.Environment{ID: "env3", Name: e.Name, PublicKey: "pk_env3", SecretKeyHash: []byte("hash-env3"), HMACMode: platform.ModeOff, CreatedAt: at}, audit("x")), platform.ErrConflict)
	list, err := s.Environments(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("Environments: %d, %v", len(list), err)
	}
	if err := s.SetHMACMode(ctx, "env1", platform.ModeEnforce, audit("hmac.mode.set")); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Environment(ctx, "env1")
	if got.HMACMode != platform.ModeEnforce || got.Version != 2 {
		t.Errorf("after SetHMACMode: %+v", got)
	}
	wantErr(t, s.SetHMACMode(ctx, "nope", platform.ModeEnforce, audit("x")), platform.ErrNotFound)
	wantErr(t, s.DeleteEnvironment(ctx, "nope", audit("x")), platform.ErrNotFound)
	if err := s.DeleteEnvironment(ctx, "env2", audit("environment.delete")); err != nil {
		t.Fatal(err)
	}
	_, err = s.Environment(ctx, "env2")
	wantErr(t, err, platform.ErrNotFound)
}

func testHMACKeys(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	k1 := &platform.StoredKey{ID: "k1", EnvID: "env1", Sealed: []byte("sealed-1"), CreatedAt: at}
	if err := s.AddHMACKey(ctx, k1, at, audit("hmac.key.create")); err != nil {
		t.Fatal(err)
	}
	keys, err := s.HMACKeys(ctx, "env1", at)
	if err != nil || len(keys) != 1 || keys[0].ID != "k1" || string(keys[0].Sealed) != "sealed-1" || !keys[0].RetiresAt.IsZero() {
		t.Fatalf("one key: %+v, %v", keys, err)
	}
	// Rotate: k1 retires in an hour.
	k2 := &platform.StoredKey{ID: "k2", EnvID: "env1", Sealed: []byte("sealed-2"), CreatedAt: at.Add(time.Second)}
	if err := s.AddHMACKey(ctx, k2, at.Add(time.Hour), audit("hmac.key.create")); err != nil {
		t.Fatal(err)
	}
	keys, _ = s.HMACKeys(ctx, "env1", at.Add(time.Minute))
	if len(keys) != 2 || keys[0].ID != "k2" || keys[1].ID != "k1" || !keys[1].RetiresAt.Equal(at.Add(time.Hour)) || !keys[0].RetiresAt.IsZero() {
		t.Fatalf("during rotation: %+v", keys)
	}
	keys, _ = s.HMACKeys(ctx, "env1", at.Add(time.Hour))
	if len(keys) != 1 || keys[0].ID != "k2" {
		t.Fatalf("after retirement: %+v", keys)
	}
	// Rotate again with "now": k2 and k1 (whose time was later) go at once.
	k3 := &platform.StoredKey{ID: "k3", EnvID: "env1", Sealed: []byte("sealed-3"), CreatedAt: at.Add(2 * time.Second)}
	if err := s.AddHMACKey(ctx, k3, at.Add(2*time.Second), audit("hmac.key.create")); err != nil {
		t.Fatal(err)
	}
	keys, _ = s.HMACKeys(ctx, "env1", at.Add(3*time.Second))
	if len(keys) != 1 || keys[0].ID != "k3" {
		t.Fatalf("after immediate retirement: %+v", keys)
	}
	// A later retirement time never extends an earlier one.
	k4 := &platform.StoredKey{ID: "k4", EnvID: "env1", Sealed: []byte("sealed-4"), CreatedAt: at.Add(3 * time.Second)}
	_ = s.AddHMACKey(ctx, k4, at.Add(time.Minute), audit("hmac.key.create"))
	k5 := &platform.StoredKey{ID: "k5", EnvID: "env1", Sealed: []byte("sealed-5"), CreatedAt: at.Add(4 * time.Second)}
	_ = s.AddHMACKey(ctx, k5, at.Add(time.Hour), audit("hmac.key.create"))
	keys, _ = s.HMACKeys(ctx, "env1", at.Add(5*time.Second))
	if len(keys) != 3 || !keys[2].RetiresAt.Equal(at.Add(time.Minute)) {
		t.Fatalf("k3 must keep its earlier retirement: %+v", keys)
	}
	env, _ := s.Environment(ctx, "env1")
	if env.Version != 6 {
		t.Errorf("version: got %d; want 6", env.Version)
	}
	wantErr(t, s.AddHMACKey(ctx, &platform.StoredKey{ID: "k9", EnvID: "nope", Sealed: []byte("x"), CreatedAt: at}, at, audit("x")), platform.ErrNotFound)
}

func testIntegrations(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	for _, id := range []string{"slack", "github"} {
		if err := s.CreateIntegration(ctx, &platform.Integration{EnvID: "env1", ID: id, Name: id, AuthMode: platform.AuthAPIKey, CreatedAt: at}, audit("integration.create")); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.CreateIntegration(ctx, &platform.Integration{EnvID: "env1", ID: "github", Name: "x", AuthMode: platform.AuthNone, CreatedAt: at}, audit("x")), platform.ErrConflict)
	list, err := s.Integrations(ctx, "env1")
	if err != nil || len(list) != 2 || list[0].ID != "github" || list[0].AuthMode != platform.AuthAPIKey {
		t.Fatalf("got %+v, %v", list, err)
	}
	in, err := s.Integration(ctx, "env1", "slack")
	if err != nil || in.Name != "slack" || !in.CreatedAt.Equal(at) {
		t.Fatalf("got %+v, %v", in, err)
	}
	if env, _ := s.Environment(ctx, "env1"); env.Version != 3 {
		t.Errorf("version after two integrations: got %d; want 3 (caches hold integrations)", env.Version)
	}
	_, err = s.Integration(ctx, "env2", "slack")
	wantErr(t, err, platform.ErrNotFound)
}

func testConnections(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	_ = s.CreateIntegration(ctx, &platform.Integration{EnvID: "env1", ID: "github", Name: "GitHub", AuthMode: platform.AuthAPIKey, CreatedAt: at}, audit("x"))
	_ = s.CreateIntegration(ctx, &platform.Integration{EnvID: "env1", ID: "slack", Name: "Slack", AuthMode: platform.AuthNone, CreatedAt: at}, audit("x"))
	c := &platform.Connection{EnvID: "env1", IntegrationID: "github", ConnectionID: "user:1", SealedCredentials: []byte("c1"), UpdatedAt: at}
	authorize := platform.AuditEntry{At: at, EnvID: "env1", Actor: "connect", Action: "connection.authorize", Detail: "github/user:1"}
	created, err := s.UpsertConnection(ctx, c, authorize)
	if err != nil || !created {
		t.Fatalf("first upsert: %v %v", created, err)
	}
	if log, err := s.AuditLog(ctx, "env1", 1); err != nil || len(log) != 1 || log[0].Action != "connection.authorize" || log[0].Actor != "connect" {
		t.Fatalf("the upsert's audit entry: %+v, %v", log, err)
	}
	c2 := &platform.Connection{EnvID: "env1", IntegrationID: "github", ConnectionID: "user:1", SealedCredentials: []byte("c2"), UpdatedAt: at.Add(time.Minute)}
	created, err = s.UpsertConnection(ctx, c2, platform.AuditEntry{})
	if err != nil || created || !c2.CreatedAt.Equal(at) {
		t.Fatalf("second upsert: %v %v %v", created, err, c2.CreatedAt)
	}
	got, err := s.Connection(ctx, "env1", "github", "user:1")
	if err != nil || string(got.SealedCredentials) != "c2" || !got.CreatedAt.Equal(at) || !got.UpdatedAt.Equal(at.Add(time.Minute)) {
		t.Fatalf("got %+v, %v", got, err)
	}
	// A connection for an unknown integration is refused by the schema.
	if _, err := s.UpsertConnection(ctx, &platform.Connection{EnvID: "env1", IntegrationID: "nope", ConnectionID: "x", UpdatedAt: at}, platform.AuditEntry{}); err == nil {
		t.Error("connection to an unknown integration was stored")
	}
	for i := range 25 {
		_, _ = s.UpsertConnection(ctx, &platform.Connection{EnvID: "env1", IntegrationID: "slack", ConnectionID: fmt.Sprintf("u%02d_%%", i), UpdatedAt: at}, platform.AuditEntry{})
	}
	page, _ := s.Connections(ctx, platform.ConnectionFilter{EnvID: "env1", Limit: 10})
	if len(page) != 10 || page[0].IntegrationID != "github" {
		t.Fatalf("first page: %d", len(page))
	}
	last := page[9]
	page2, _ := s.Connections(ctx, platform.ConnectionFilter{EnvID: "env1", Limit: 10, After: last.IntegrationID + "/" + last.ConnectionID})
	if len(page2) != 10 || page2[0].ConnectionID != "u09_%" {
		t.Fatalf("second page starts at %+v", page2[0])
	}
	only, _ := s.Connections(ctx, platform.ConnectionFilter{EnvID: "env1", IntegrationID: "github"})
	if len(only) != 1 {
		t.Errorf("filter by integration: %d", len(only))
	}
	search, _ := s.Connections(ctx, platform.ConnectionFilter{EnvID: "env1", Search: "1_%"})
	if len(search) != 3 { // u01_%, u11_%, u21_%
		t.Errorf("search: %d results; want 3", len(search))
	}
	lit, _ := s.Connections(ctx, platform.ConnectionFilter{EnvID: "env1", Search: "_"})
	if len(lit) != 25 {
		t.Errorf("search for a literal '_': %d results; want 25 ('_' must not be a wildcard)", len(lit))
	}
	wantErr(t, s.DeleteConnection(ctx, "env1", "github", "nope", audit("x")), platform.ErrNotFound)
	if err := s.DeleteConnection(ctx, "env1", "github", "user:1", audit("connection.delete")); err != nil {
		t.Fatal(err)
	}
	_, err = s.Connection(ctx, "env1", "github", "user:1")
	wantErr(t, err, platform.ErrNotFound)
}

// testConcurrentUpsert: many calls for one connection make exactly one row
// and exactly one "created".
func testConcurrentUpsert(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	_ = s.CreateIntegration(ctx, &platform.Integration{EnvID: "env1", ID: "github", Name: "GitHub", AuthMode: platform.AuthNone, CreatedAt: at}, audit("x"))
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdN, errs := 0, 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created, err := s.UpsertConnection(ctx, &platform.Connection{EnvID: "env1", IntegrationID: "github", ConnectionID: "same", UpdatedAt: at}, platform.AuditEntry{})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				t.Errorf("upsert: %v", err)
			}
			if created {
				createdN++
			}
		}()
	}
	wg.Wait()
	list, _ := s.Connections(ctx, platform.ConnectionFilter{EnvID: "env1"})
	if len(list) != 1 || createdN != 1 {
		t.Errorf("rows %d, created %d; want 1 and 1", len(list), createdN)
	}
}

func testReport(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	h := at.Truncate(time.Hour)
	if err := s.AddReportCounts(ctx, []platform.ReportCount{
		{EnvID: "env1", Hour: h, Valid: 3, Missing: 1},
		{EnvID: "env1", Hour: h.Add(time.Hour + time.Minute), Invalid: 2},
	}); err != nil {
		t.Fatal(err)
	}
	_ = s.AddReportCounts(ctx, []platform.ReportCount{{EnvID: "env1", Hour: h, Valid: 1, Missing: 1, Invalid: 1}})
	rows, err := s.Report(ctx, "env1", h.Add(-24*time.Hour))
	if err != nil || len(rows) != 2 {
		t.Fatalf("got %+v, %v", rows, err)
	}
	if r := rows[0]; !r.Hour.Equal(h) || r.Valid != 4 || r.Missing != 2 || r.Invalid != 1 {
		t.Errorf("first hour: %+v", r)
	}
	if r := rows[1]; !r.Hour.Equal(h.Add(time.Hour)) || r.Invalid != 2 {
		t.Errorf("second hour: %+v", r)
	}
	rows, _ = s.Report(ctx, "env1", h.Add(time.Hour))
	if len(rows) != 1 {
		t.Errorf("since: %d rows", len(rows))
	}
}

func testAuditAndSettings(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	MustEnv(t, s, "env2")
	_ = s.SetHMACMode(ctx, "env1", platform.ModeReport, platform.AuditEntry{At: at, EnvID: "env1", Actor: "env:env1", Action: "hmac.mode.set", Detail: "report"})
	all, err := s.AuditLog(ctx, "", 10)
	if err != nil || len(all) != 3 {
		t.Fatalf("all: %d, %v", len(all), err)
	}
	if all[0].Action != "hmac.mode.set" || all[0].Actor != "env:env1" || !all[0].At.Equal(at) || all[0].Detail != "report" {
		t.Errorf("newest entry: %+v", all[0])
	}
	one, _ := s.AuditLog(ctx, "env1", 10)
	if len(one) != 1 {
		t.Errorf("env1: %d entries", len(one))
	}
	_, err = s.Setting(ctx, "admin_token_hash")
	wantErr(t, err, platform.ErrNotFound)
	for _, v := range []string{"one", "two"} {
		if err := s.SetSetting(ctx, "admin_token_hash", []byte(v), audit("admin.token.reset")); err != nil {
			t.Fatal(err)
		}
	}
	v, err := s.Setting(ctx, "admin_token_hash")
	if err != nil || string(v) != "two" {
		t.Errorf("got %q, %v", v, err)
	}
	if err := s.DeleteSetting(ctx, "admin_token_hash", audit("admin.token.delete")); err != nil {
		t.Fatal(err)
	}
	_, err = s.Setting(ctx, "admin_token_hash")
	wantErr(t, err, platform.ErrNotFound)
	wantErr(t, s.DeleteSetting(ctx, "admin_token_hash", audit("x")), platform.ErrNotFound)
}

func testDeleteCascades(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	_ = s.AddHMACKey(ctx, &platform.StoredKey{ID: "k1", EnvID: "env1", Sealed: []byte("x"), CreatedAt: at}, at, audit("x"))
	_ = s.CreateIntegration(ctx, &platform.Integration{EnvID: "env1", ID: "github", Name: "GitHub", AuthMode: platform.AuthNone, CreatedAt: at}, audit("x"))
	_, _ = s.UpsertConnection(ctx, &platform.Connection{EnvID: "env1", IntegrationID: "github", ConnectionID: "c", UpdatedAt: at}, platform.AuditEntry{})
	_ = s.AddReportCounts(ctx, []platform.ReportCount{{EnvID: "env1", Hour: at, Valid: 1}})
	if err := s.DeleteEnvironment(ctx, "env1", audit("environment.delete")); err != nil {
		t.Fatal(err)
	}
	MustEnv(t, s, "env1") // same ID again: nothing of the old one is left
	keys, _ := s.HMACKeys(ctx, "env1", at)
	ins, _ := s.Integrations(ctx, "env1")
	conns, _ := s.Connections(ctx, platform.ConnectionFilter{EnvID: "env1"})
	rep, _ := s.Report(ctx, "env1", at.Add(-time.Hour))
	if len(keys)+len(ins)+len(conns)+len(rep) != 0 {
		t.Errorf("left over: %d keys, %d integrations, %d connections, %d report rows", len(keys), len(ins), len(conns), len(rep))
	}
}

// FailingAction is the audit action that a store under test must make fail
// once RunAtomicity's inject has run: the test's stand-in for a crash in the
// middle of a change.
const FailingAction = "test.fail"

// RunAtomicity proves that a change and its audit entry are one
// transaction: when the audit write fails (inject makes writes of
// [FailingAction] fail, for example with a trigger), nothing of the change
// is left behind.
func RunAtomicity(t *testing.T, s platform.Store, inject func(t *testing.T)) {
	MustEnv(t, s, "env1")
	_ = s.CreateIntegration(ctx, &platform.Integration{EnvID: "env1", ID: "github", Name: "GitHub", AuthMode: platform.AuthNone, CreatedAt: at}, audit("x"))
	_, _ = s.UpsertConnection(ctx, &platform.Connection{EnvID: "env1", IntegrationID: "github", ConnectionID: "c", UpdatedAt: at}, platform.AuditEntry{})
	if err := s.AddHMACKey(ctx, &platform.StoredKey{ID: "k1", EnvID: "env1", Sealed: []byte("one"), CreatedAt: at}, at, audit("x")); err != nil {
		t.Fatal(err)
	}
	inject(t)
	fail := audit(FailingAction)
	if err := s.AddHMACKey(ctx, &platform.StoredKey{ID: "k2", EnvID: "env1", Sealed: []byte("two"), CreatedAt: at.Add(time.Second)}, at.Add(time.Second), fail); err == nil {
		t.Fatal("AddHMACKey succeeded although its audit entry failed")
	}
	keys, _ := s.HMACKeys(ctx, "env1", at.Add(2*time.Second))
	if len(keys) != 1 || keys[0].ID != "k1" || !keys[0].RetiresAt.IsZero() {
		t.Errorf("after a failed rotation: %+v; want k1 alone, still current", keys)
	}
	if err := s.SetHMACMode(ctx, "env1", platform.ModeEnforce, fail); err == nil {
		t.Fatal("SetHMACMode succeeded although its audit entry failed")
	}
	if err := s.DeleteConnection(ctx, "env1", "github", "c", fail); err == nil {
		t.Fatal("DeleteConnection succeeded although its audit entry failed")
	}
	if err := s.CreateEnvironment(ctx, &platform.Environment{ID: "env2", Name: "x", PublicKey: "pk2", SecretKeyHash: []byte("h2"), HMACMode: platform.ModeOff, CreatedAt: at}, fail); err == nil {
		t.Fatal("CreateEnvironment succeeded although its audit entry failed")
	}
	env, _ := s.Environment(ctx, "env1")
	if env.HMACMode != platform.ModeOff || env.Version != 3 { // 1, +1 integration, +1 key
		t.Errorf("environment changed: %+v", env)
	}
	if _, err := s.Connection(ctx, "env1", "github", "c"); err != nil {
		t.Errorf("connection gone: %v", err)
	}
	if _, err := s.Environment(ctx, "env2"); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("env2 exists: %v", err)
	}
}
