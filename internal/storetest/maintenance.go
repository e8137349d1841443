package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// testAddSetting: of many concurrent adds of one setting, exactly one wins
// (instances starting together make one admin token).
func testAddSetting(t *testing.T, s platform.Store) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, conflicts := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.AddSetting(ctx, "admin_token_sha256", []byte(fmt.Sprint("token-", i)), audit("admin.token.create"))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, platform.ErrConflict):
				conflicts++
			default:
				t.Errorf("AddSetting: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || conflicts != 7 {
		t.Errorf("%d adds won and %d conflicted; want 1 and 7", won, conflicts)
	}
}

// testSecretKeyRotation: the environment is found by its current and its
// previous secret key hash; a second rotation drops the first key.
func testSecretKeyRotation(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	before, _ := s.Environment(ctx, "env1")
	retire := at.Add(24 * time.Hour)
	if err := s.RotateSecretKey(ctx, "env1", []byte("hash-2"), retire, audit("environment.secret_key.rotate")); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"hash-env1", "hash-2"} {
		e, err := s.EnvironmentBySecretHash(ctx, []byte(h))
		if err != nil || e.ID != "env1" {
			t.Fatalf("by %s: %+v, %v", h, e, err)
		}
		if string(e.SecretKeyHash) != "hash-2" || string(e.PreviousSecretKeyHash) != "hash-env1" || !e.PreviousSecretRetiresAt.Equal(retire) {
			t.Errorf("after rotation: %q, previous %q until %v", e.SecretKeyHash, e.PreviousSecretKeyHash, e.PreviousSecretRetiresAt)
		}
		if e.Version <= before.Version {
			t.Errorf("version %d did not grow past %d: caches would keep the old key", e.Version, before.Version)
		}
	}
	if err := s.RotateSecretKey(ctx, "env1", []byte("hash-3"), retire, audit("environment.secret_key.rotate")); err != nil {
		t.Fatal(err)
	}
	_, err := s.EnvironmentBySecretHash(ctx, []byte("hash-env1"))
	wantErr(t, err, platform.ErrNotFound)
	if e, err := s.EnvironmentBySecretHash(ctx, []byte("hash-2")); err != nil || string(e.PreviousSecretKeyHash) != "hash-2" {
		t.Errorf("the second key after another rotation: %+v, %v", e, err)
	}
	wantErr(t, s.RotateSecretKey(ctx, "nope", []byte("hash-4"), retire, audit("x")), platform.ErrNotFound)
	MustEnv(t, s, "env2")
	if fresh, err := s.Environment(ctx, "env2"); err != nil || fresh.PreviousSecretKeyHash != nil || !fresh.PreviousSecretRetiresAt.IsZero() {
		t.Errorf("a new environment: %+v, %v; want no previous key", fresh, err)
	}
}

// testSealedValues: every sealed kind is listed in pages, with the row key
// its seal context names, and swapped only if unchanged.
func testSealedValues(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	in := &platform.Integration{EnvID: "env1", ID: "github", Name: "GitHub", AuthMode: platform.AuthAPIKey, CreatedAt: at}
	if err := s.CreateIntegration(ctx, in, audit("integration.create")); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		c := &platform.Connection{EnvID: "env1", IntegrationID: "github", ConnectionID: fmt.Sprint("u", i),
			SealedCredentials: []byte(fmt.Sprint("sealed-", i)), UpdatedAt: at}
		if _, err := s.UpsertConnection(ctx, c, platform.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	// A connection without credentials has nothing sealed.
	if _, err := s.UpsertConnection(ctx, &platform.Connection{EnvID: "env1", IntegrationID: "github", ConnectionID: "none", UpdatedAt: at}, platform.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddHMACKey(ctx, &platform.StoredKey{ID: "k1", EnvID: "env1", Sealed: []byte("sealed-key"), CreatedAt: at}, at, audit("hmac.key.create")); err != nil {
		t.Fatal(err)
	}
	var got []platform.SealedValue
	var after []string
	for {
		page, err := s.SealedValues(ctx, platform.SealedConnection, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if len(page) < 2 {
			break
		}
		after = page[len(page)-1].Key
	}
	if len(got) != 5 || got[0].Context() != "connection:env1:github:u0" || string(got[4].Sealed) != "sealed-4" {
		t.Fatalf("connections: %d values, first %q", len(got), got[0].Context())
	}
	keys, err := s.SealedValues(ctx, platform.SealedHMACKey, nil, 10)
	if err != nil || len(keys) != 1 || keys[0].Context() != "hmac_key:env1:k1" {
		t.Fatalf("hmac keys: %+v, %v", keys, err)
	}
	v := got[1]
	if ok, err := s.ReplaceSealed(ctx, v, []byte("resealed")); err != nil || !ok {
		t.Fatalf("replace: %v, %v", ok, err)
	}
	if ok, _ := s.ReplaceSealed(ctx, v, []byte("stale")); ok {
		t.Error("a value replaced meanwhile was replaced again from a stale read")
	}
	c, _ := s.Connection(ctx, "env1", "github", "u1")
	if !bytes.Equal(c.SealedCredentials, []byte("resealed")) {
		t.Errorf("after replace: %q", c.SealedCredentials)
	}
	if _, err := s.SealedValues(ctx, "unknown", nil, 1); err == nil {
		t.Error("an unknown kind was listed")
	}
}

// testRetention: rows of the retained logs older than the cut-off go; newer
// rows and everything else stay.
func testRetention(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1") // its audit entry is at `at`
	for i, id := range []string{"old", "new"} {
		l := &platform.Launch{CorrelationID: id, EnvID: "env1", ProductID: "p", Kind: "launch",
			CreatedAt: at.Add(time.Duration(i) * 48 * time.Hour), Result: "opened"}
		if err := s.CreateLaunch(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	newer := platform.AuditEntry{At: at.Add(48 * time.Hour), EnvID: "env1", Actor: "admin", Action: "hmac.mode.set"}
	if err := s.SetHMACMode(ctx, "env1", platform.ModeReport, newer); err != nil {
		t.Fatal(err)
	}
	if err := s.AddReportCounts(ctx, []platform.ReportCount{{EnvID: "env1", Hour: at, Valid: 1}, {EnvID: "env1", Hour: at.Add(48 * time.Hour), Valid: 2}}); err != nil {
		t.Fatal(err)
	}
	deleted, err := s.DeleteLogsBefore(ctx, at.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if deleted["launches"] != 1 || deleted["audit_log"] != 1 || deleted["report_counts"] != 1 {
		t.Errorf("deleted %v; want one row of each log", deleted)
	}
	_, err = s.Launch(ctx, "old")
	wantErr(t, err, platform.ErrNotFound)
	if _, err := s.Launch(ctx, "new"); err != nil {
		t.Errorf("the newer launch: %v", err)
	}
	if a, _ := s.AuditLog(ctx, "env1", 10); len(a) != 1 || a[0].Action != "hmac.mode.set" {
		t.Errorf("audit log after retention: %+v", a)
	}
	if r, _ := s.Report(ctx, "env1", at.Add(-time.Hour)); len(r) != 1 || r[0].Valid != 2 {
		t.Errorf("report after retention: %+v", r)
	}
	if _, err := s.Environment(ctx, "env1"); err != nil {
		t.Errorf("the environment went with its log: %v", err)
	}
}

// testForgetOrderdata: orderdata goes once a launch is used, for test
// deliveries, and when the link expired (marked "expired"); a live link
// keeps it.
func testForgetOrderdata(t *testing.T, s platform.Store) {
	MustEnv(t, s, "env1")
	const od = `{"currentUserEmail":"kari@example.no"}`
	for _, l := range []platform.Launch{
		{CorrelationID: "expired", Kind: "launch", CreatedAt: at, Result: "created"},
		{CorrelationID: "live", Kind: "launch", CreatedAt: at.Add(10 * time.Minute), Result: "created"},
		{CorrelationID: "test", Kind: "test", CreatedAt: at.Add(10 * time.Minute), Result: "200 OK"},
	} {
		l.EnvID, l.ProductID, l.Orderdata, l.Signature = "env1", "p", od, "sig"
		if err := s.CreateLaunch(ctx, &l); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.ForgetOrderdata(ctx, at.Add(5*time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("forgot %d, %v; want 2", n, err)
	}
	for id, want := range map[string]struct{ orderdata, result string }{
		"expired": {"", "expired"}, "live": {od, "created"}, "test": {"", "200 OK"},
	} {
		l, err := s.Launch(ctx, id)
		if err != nil || l.Orderdata != want.orderdata || l.Result != want.result || l.Signature != "sig" {
			t.Errorf("%s: %+v, %v; want orderdata %q, result %q", id, l, err, want.orderdata, want.result)
		}
	}
	if n, _ := s.ForgetOrderdata(ctx, at.Add(5*time.Minute)); n != 0 {
		t.Errorf("a second sweep changed %d rows", n)
	}
}
