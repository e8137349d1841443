package main

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to check the backup's integrity
)

// TestBackupUnderWriteLoad: `hmacgate admin backup` copies the SQLite
// database while serve takes writes; the copy passes PRAGMA
// integrity_check, and restored as docs/deploy.md says (the file as
// hmacgate.db next to the same master key) it holds every connection whose
// creation was answered before the backup started.
func TestBackupUnderWriteLoad(t *testing.T) {
	dir := t.TempDir()
	srv := mustServe(t, nil, "--data-dir", dir)
	tok := srv.adminToken()
	var e envCreds
	must(t, "create environment", srv.call("POST", "/v1/environments", tok, `{"name":"backup"}`, &e), 201)
	must(t, "create integration", srv.call("POST", "/v1/integrations", e.SecretKey, `{"id":"crm","auth_mode":"api_key"}`, nil), 201)

	var mu sync.Mutex
	var committed []string // answered 201, in order
	var stop atomic.Bool
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := sprint("w", w, "-", i)
				if connectWithCredentials(srv.base, e, id) {
					mu.Lock()
					committed = append(committed, id)
					mu.Unlock()
				}
			}
		}()
	}
	waitFor := func(n int) {
		for {
			mu.Lock()
			got := len(committed)
			mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor(100)
	mu.Lock()
	before := append([]string(nil), committed...)
	mu.Unlock()
	out := filepath.Join(t.TempDir(), "hmacgate-backup.db")
	code, stdout, stderr := runHmacgate(t, nil, "admin", "backup", "--data-dir", dir, "--out", out)
	mu.Lock()
	during := len(committed) - len(before)
	mu.Unlock()
	stop.Store(true)
	wg.Wait()
	if code != 0 || !strings.Contains(stdout, "backup written to") {
		t.Fatalf("backup: %d %s %s", code, stdout, stderr)
	}
	t.Logf("%d connections committed before the backup, %d while it ran", len(before), during)
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the backup file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*partial*")); len(leftovers) != 0 {
		t.Errorf("temporary files left next to the backup: %v", leftovers)
	}
	checkIntegrity(t, out)
	if code, _, stderr := runHmacgate(t, nil, "admin", "backup", "--data-dir", dir, "--out", out); code != 2 || !strings.Contains(stderr, "exists") {
		t.Errorf("a backup over an existing file: %d %s; want a refusal", code, stderr)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	// Restore into a new data directory with the same master key.
	restored := t.TempDir()
	copyFile(t, out, filepath.Join(restored, "hmacgate.db"))
	copyFile(t, filepath.Join(dir, "master.key"), filepath.Join(restored, "master.key"))
	back := mustServe(t, nil, "--data-dir", restored)
	if back.adminToken() != "" {
		t.Error("the restored server made a new admin token; the backup's should hold")
	}
	if code := back.call("GET", "/v1/environments", tok, "", nil); code != 200 {
		t.Errorf("the admin token after the restore: %d", code)
	}
	have := map[string]bool{}
	for after := ""; ; {
		var page struct {
			Connections []struct {
				ConnectionID string `json:"connection_id"`
			}
			Next string
		}
		must(t, "list connections", back.call("GET", "/v1/connections?limit=500&after="+url.QueryEscape(after), e.SecretKey, "", &page), 200)
		for _, c := range page.Connections {
			have[c.ConnectionID] = true
		}
		if after = page.Next; after == "" {
			break
		}
	}
	for _, id := range before {
		if !have[id] {
			t.Errorf("connection %s was committed before the backup but is not in it", id)
		}
	}
	var cn struct{ Credentials map[string]string }
	must(t, "credentials after the restore", back.call("GET", "/v1/connections/crm/"+before[0]+"?include_credentials=true", e.SecretKey, "", &cn), 200)
	if cn.Credentials["api_key"] != "api-key-of-"+before[0] {
		t.Errorf("restored credentials: %v", cn.Credentials)
	}
}

func checkIntegrity(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(context.Background(), `PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check of the backup: %q, %v", res, err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
