package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/testenv"
	"github.com/hmacgate/hmacgate/postgres"
	"github.com/hmacgate/hmacgate/server"
)

// openDaemon opens a daemon on dir with what the test sets in cfg.
func openDaemon(dir string, cfg server.Config) (*server.Daemon, string, error) {
	var out bytes.Buffer
	cfg.Listen, cfg.DataDir, cfg.Stdout = "127.0.0.1:0", dir, &out
	d, err := server.Open(context.Background(), cfg)
	return d, out.String(), err
}

// TestDataDirIsPrivate: the data directory is 0700 and every file in it
// 0600, whoever made the directory (issue 12, finding 6: database files
// were 0644 in a directory the operator made), and an existing
// installation's files are tightened on the next start.
func TestDataDirIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil { // as an operator would
		t.Fatal(err)
	}
	start := func() {
		t.Helper()
		d, out, err := openDaemon(dir, server.Config{})
		if err != nil {
			t.Fatal(err)
		}
		base, stop := serve(d)
		if tok, ok := strings.CutPrefix(strings.TrimSpace(out), "admin token: "); ok {
			req, _ := http.NewRequest("POST", base+"/v1/environments", strings.NewReader(`{"name":"perm"}`))
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != 201 {
				t.Fatalf("create environment: %v %v", res, err)
			}
			res.Body.Close()
		}
		checkPrivate(t, dir) // while it runs: the -wal and -shm files exist
		stop()
	}
	start()
	// An installation from before: everything readable by others.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"hmacgate.db", "hmacgate.db-wal", "hmacgate.db-shm"} {
		_ = os.Chmod(filepath.Join(dir, f), 0o644)
	}
	start()
}

func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("data directory has mode %v; want 0700", fi.Mode().Perm())
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		seen[e.Name()] = true
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v; want 0600", e.Name(), info.Mode().Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hmacgate.db", "hmacgate.db-wal", "master.key", "serve.lock"} {
		if !seen[want] {
			t.Errorf("no %s in the data directory (files: %v)", want, seen)
		}
	}
}

// TestMissingMasterKeyRefuses: a database whose master key file was
// deleted refuses to start, and nothing is written: no new key, no change
// to the database (issue 12, finding 5).
func TestMissingMasterKeyRefuses(t *testing.T) {
	dir := t.TempDir()
	d, _, err := openDaemon(dir, server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "master.key")); err != nil {
		t.Fatal(err)
	}
	before := databaseDigest(t, dir)
	_, _, err = openDaemon(dir, server.Config{})
	if err == nil || !strings.Contains(err.Error(), "master key") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("start without the master key: %v; want a refusal that says why", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "master.key")); !os.IsNotExist(err) {
		t.Errorf("a new master key file was written: %v", err)
	}
	if after := databaseDigest(t, dir); after != before {
		t.Errorf("the database files changed: %s → %s", before, after)
	}
}

// databaseDigest hashes the names and contents of the database's files.
func databaseDigest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	matches, _ := filepath.Glob(filepath.Join(dir, "hmacgate.db*"))
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte(filepath.Base(m)))
		h.Write(b)
	}
	return string(h.Sum(nil))
}

// TestShortAdminTokenRefused: HMACGATE_ADMIN_TOKEN=a is refused before
// anything is made (issue 12, finding 6).
func TestShortAdminTokenRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	for _, tok := range []string{"a", strings.Repeat("x", server.MinAdminTokenLen-1)} {
		_, _, err := openDaemon(dir, server.Config{AdminToken: tok})
		if err == nil || !strings.Contains(err.Error(), "at least 32 bytes") {
			t.Errorf("admin token of %d bytes: %v; want a refusal", len(tok), err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the refused start made the data directory: %v", err)
	}
	d, _, err := openDaemon(dir, server.Config{AdminToken: strings.Repeat("x", server.MinAdminTokenLen)})
	if err != nil {
		t.Fatalf("a 32-byte token: %v", err)
	}
	d.Close()
}

// TestSecondDaemonOnDataDir: a second server on a SQLite data directory in
// use refuses to start, with a message that says so, and starts once the
// first has stopped (issue 12, finding 4). TestSecondServeProcess in
// cmd/hmacgate runs the same with two processes.
func TestSecondDaemonOnDataDir(t *testing.T) {
	dir := t.TempDir()
	first, _, err := openDaemon(dir, server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = openDaemon(dir, server.Config{})
	if err == nil || !strings.Contains(err.Error(), "in use by another hmacgate serve") {
		t.Fatalf("second server: %v; want a refusal", err)
	}
	first.Close()
	again, _, err := openDaemon(dir, server.Config{})
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	again.Close()
}

// TestReportFlushBoundedByShutdown: a database that hangs (another
// connection holds the write lock) cannot hold shutdown past
// ShutdownTimeout, and the lost counts are reported by Run's error instead
// of being hidden (issue 12, finding 6).
func TestReportFlushBoundedByShutdown(t *testing.T) {
	dir := t.TempDir()
	d, out, err := openDaemon(dir, server.Config{ShutdownTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := strings.CutPrefix(strings.TrimSpace(out), "admin token: ")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	base := "http://" + d.Addr()
	var env struct {
		PublicKey string `json:"public_key"`
		SecretKey string `json:"secret_key"`
	}
	postJSON(t, base+"/v1/environments", tok, `{"name":"flush"}`, &env)
	postJSON(t, base+"/v1/integrations", env.SecretKey, `{"id":"github"}`, nil)
	postJSON(t, base+"/v1/hmac/keys", env.SecretKey, `{}`, nil)
	// A connect call without a digest: counted in memory, flushed later.
	postJSON(t, base+"/v1/connect/github", "", `{"public_key":"`+env.PublicKey+`","connection_id":"u1"}`, nil)

	hang, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "hmacgate.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	tx, err := hang.Begin() // holds the write lock: every write of the server waits
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	began := time.Now()
	cancel()
	err = <-done
	took := time.Since(began)
	if took > 3*time.Second {
		t.Errorf("shutdown took %v with ShutdownTimeout 1s", took.Round(time.Millisecond))
	}
	if err == nil || !strings.Contains(err.Error(), "report counts") {
		t.Errorf("Run returned %v; want the lost report counts", err)
	}
}

// postJSON posts body with a bearer token, wants 200 or 201, and decodes
// the answer into out.
func postJSON(t *testing.T, url, token, body string, out any) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 && res.StatusCode != 201 {
		t.Fatalf("POST %s: %d %s", url, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEnsureAdminTokenOnce: of instances that find no admin token at the
// same moment, exactly one makes and returns one, and it is the stored one
// (issue 12, finding 3: each made and printed its own, and only the last
// one written worked).
func TestEnsureAdminTokenOnce(t *testing.T) {
	dbURL, _ := testenv.PostgresSchema(t) // round trips let the instances interleave
	store, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	// One open connection each, as separate instances have: a goroutine
	// that had to dial first would always come last.
	db := store.DB()
	var warm sync.WaitGroup
	for range 8 {
		warm.Add(1)
		go func() { defer warm.Done(); _, _ = db.Exec(`SELECT pg_sleep(0.1)`) }()
	}
	warm.Wait()
	tokens := make(chan string, 8)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range cap(tokens) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start // all at once, as instances starting together
			tok, err := server.EnsureAdminToken(context.Background(), store, "")
			if err != nil {
				t.Error(err)
			}
			tokens <- tok
		}()
	}
	close(start)
	wg.Wait()
	close(tokens)
	var made []string
	for tok := range tokens {
		if tok != "" {
			made = append(made, tok)
		}
	}
	if len(made) != 1 {
		t.Fatalf("%d tokens made; want exactly one", len(made))
	}
	stored, _ := store.Setting(context.Background(), "admin_token_sha256")
	if h := sha256.Sum256([]byte(made[0])); !bytes.Equal(stored, h[:]) {
		t.Error("the token made is not the one stored")
	}
}
