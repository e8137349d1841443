package server_test

import (
	"strings"
	"testing"
	"time"
)

type rotated struct {
	SecretKey        string    `json:"secret_key"`
	RetirePreviousAt time.Time `json:"retire_previous_at"`
}

// envStatus is the status of GET /v1/environment with the key.
func (ts *testServer) envStatus(key string) int {
	ts.t.Helper()
	code, _ := ts.json("GET", "/v1/environment", key, "", nil)
	return code
}

// TestSecretKeyRotation: POST /v1/environment/secret-key makes a new sk_
// key, shown once; the old one keeps working until retire_previous_at
// (default 24 h) and only the current one may rotate (issue 12, finding 5:
// deleting the environment was the only remedy).
func TestSecretKeyRotation(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("rotate")
	other := ts.newEnv("other")
	var r rotated
	if code, b := ts.json("POST", "/v1/environment/secret-key", e.SecretKey, ``, &r); code != 201 || !strings.HasPrefix(r.SecretKey, "sk_") {
		t.Fatalf("rotate: %d %s", code, b)
	}
	if want := ts.clock.Now().Add(24 * time.Hour); !r.RetirePreviousAt.Equal(want) {
		t.Errorf("retire_previous_at %v; want %v (24 h)", r.RetirePreviousAt, want)
	}
	if ts.envStatus(r.SecretKey) != 200 || ts.envStatus(e.SecretKey) != 200 {
		t.Fatal("during the overlap both keys must work")
	}
	var ref refusal
	if code, _ := ts.json("POST", "/v1/environment/secret-key", e.SecretKey, `{}`, &ref); code != 401 || !strings.Contains(ref.Message, "retiring") {
		t.Errorf("rotation with the retiring key: %d %+v; want 401", code, ref)
	}
	// The retiring key reaches only its own environment.
	if code, _ := ts.json("GET", "/v1/integrations", other.SecretKey, "", nil); code != 200 {
		t.Errorf("the other environment: %d", code)
	}
	ts.clock.Add(24*time.Hour - time.Second)
	if ts.envStatus(e.SecretKey) != 200 {
		t.Error("the old key stopped before retire_previous_at")
	}
	ts.clock.Add(time.Second)
	if ts.envStatus(e.SecretKey) != 401 || ts.envStatus(r.SecretKey) != 200 {
		t.Error("at retire_previous_at the old key must stop and the new one work")
	}

	// "now" retires at once; a time must parse.
	var now rotated
	if code, b := ts.json("POST", "/v1/environment/secret-key", r.SecretKey, `{"retire_previous_at":"now"}`, &now); code != 201 {
		t.Fatalf("rotate now: %d %s", code, b)
	}
	if ts.envStatus(r.SecretKey) != 401 || ts.envStatus(now.SecretKey) != 200 {
		t.Error(`retire_previous_at "now" left the old key working`)
	}
	if code, _ := ts.json("POST", "/v1/environment/secret-key", now.SecretKey, `{"retire_previous_at":"tomorrow"}`, &ref); code != 400 || ref.Error != "invalid_request" {
		t.Errorf("a bad time: %d %+v", code, ref)
	}
	at := ts.clock.Now().Add(2 * time.Hour).Format(time.RFC3339)
	var timed rotated
	ts.json("POST", "/v1/environment/secret-key", now.SecretKey, `{"retire_previous_at":"`+at+`"}`, &timed)
	if timed.RetirePreviousAt.Format(time.RFC3339) != at {
		t.Errorf("an RFC 3339 time: retires at %v; want %s", timed.RetirePreviousAt, at)
	}

	// The admin rotates without the key (lost or leaked).
	var byAdmin rotated
	if code, b := ts.json("POST", "/v1/environments/"+e.ID+"/secret-key", ts.admin, `{"retire_previous_at":"now"}`, &byAdmin); code != 201 {
		t.Fatalf("admin rotation: %d %s", code, b)
	}
	if ts.envStatus(timed.SecretKey) != 401 || ts.envStatus(byAdmin.SecretKey) != 200 {
		t.Error("the admin's rotation did not replace the key")
	}
	if code, _ := ts.json("POST", "/v1/environments/env_nope/secret-key", ts.admin, ``, nil); code != 404 {
		t.Errorf("unknown environment: %d", code)
	}
	if code, _ := ts.json("POST", "/v1/environments/"+e.ID+"/secret-key", byAdmin.SecretKey, ``, nil); code != 401 {
		t.Errorf("the admin route with an environment key: %d", code)
	}
	var audit struct {
		Entries []struct{ Actor, Action string }
	}
	ts.json("GET", "/v1/audit?environment_id="+e.ID, ts.admin, "", &audit)
	actors := map[string]int{}
	for _, a := range audit.Entries {
		if a.Action == "environment.secret_key.rotate" {
			actors[a.Actor]++
		}
	}
	if actors["env:"+e.ID] != 3 || actors["admin"] != 1 {
		t.Errorf("audit entries of rotations by actor: %v", actors)
	}
	for _, k := range []string{r.SecretKey, now.SecretKey, byAdmin.SecretKey} {
		if strings.Contains(ts.logs.String(), k) || strings.Contains(ts.logs.String(), k[3:20]) {
			t.Fatal("a secret key is in the logs")
		}
	}
}

// TestConsoleRotatesSecretKey: the settings page's form asks first (a GET
// page that says until when the current key works), the confirmed post
// rotates and leads to the settings page, which shows the new key once.
func TestConsoleRotatesSecretKey(t *testing.T) {
	ts := startServer(t)
	e := ts.newEnv("console-rotate")
	b := ts.newBrowser()
	b.login()
	base := "/environments/" + e.ID
	code, page := b.get(base + "/secret-key?retire=1h")
	if code != 200 || !strings.Contains(page, "keeps working for 1 hour") {
		t.Fatalf("the question: %d", code)
	}
	if loc := b.redirectOf(base+"/secret-key", b.form("retire", "1h")); loc != base+"/secret-key?retire=1h" {
		t.Fatalf("an unconfirmed rotation led to %s", loc)
	}
	if ts.envStatus(e.SecretKey) != 200 {
		t.Fatal("the unconfirmed rotation changed the key")
	}
	loc, page := b.submit(base+"/secret-key", b.form("retire", "1h", "confirm", "yes"))
	m := onceValue.FindStringSubmatch(page)
	if m == nil || !strings.HasPrefix(m[1], "sk_") {
		t.Fatalf("the confirmed rotation led to %s without the new key", loc)
	}
	mustContain(t, "settings after the rotation", page, `id="sk-previous"`)
	if ts.envStatus(m[1]) != 200 || ts.envStatus(e.SecretKey) != 200 {
		t.Error("after the rotation both keys must work for an hour")
	}
	if _, again := b.get(loc); strings.Contains(again, m[1]) {
		t.Error("the new key is shown again on a reload")
	}
	ts.clock.Add(time.Hour)
	if ts.envStatus(e.SecretKey) != 401 {
		t.Error("the previous key works after the hour")
	}
	if _, page = b.get(base); strings.Contains(page, `id="sk-previous"`) {
		t.Error("the settings page still shows a retired previous key")
	}
	if _, page = b.get(base + "/secret-key?retire=now"); !strings.Contains(page, "stops working at once") {
		t.Error(`the question for "now" does not say the key stops at once`)
	}
}
