package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/server"
)

// TestFirstStart: the first start makes the master key file (mode 0600) and
// prints the admin token once; later starts print nothing and keep both; a
// wrong master key refuses to start; HMACGATE_ADMIN_TOKEN replaces the token.
func TestFirstStart(t *testing.T) {
	dir := t.TempDir()
	open := func(cfg server.Config) (*server.Daemon, string, error) {
		var out bytes.Buffer
		cfg.Listen, cfg.DataDir, cfg.Stdout = "127.0.0.1:0", dir, &out
		d, err := server.Open(context.Background(), cfg)
		return d, out.String(), err
	}
	d, out, err := open(server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := strings.CutPrefix(strings.TrimSpace(out), "admin token: ")
	if !ok || !strings.HasPrefix(tok, "hga_") || strings.Count(out, "\n") != 1 {
		t.Fatalf("first start printed %q; want one line 'admin token: hga_…'", out)
	}
	d.Close()
	fi, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("master.key has mode %v; want 0600", fi.Mode().Perm())
	}
	d, out, err = open(server.Config{})
	if err != nil || out != "" {
		t.Fatalf("second start: %v, printed %q", err, out)
	}
	base, stop := serve(d)
	if code := adminGet(t, base, tok); code != 200 {
		t.Errorf("the first token after a restart: %d", code)
	}
	stop()
	if _, _, err := open(server.Config{MasterKey: hmacgate.GenerateKey().Reveal()}); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Errorf("a wrong master key: %v; want a refusal to start", err)
	}
	if _, _, err := open(server.Config{MasterKey: "short"}); err == nil {
		t.Error("a weak master key was accepted")
	}
	set := "hga_set-by-the-environment-0123456789abcdefghi"
	d, out, err = open(server.Config{AdminToken: set})
	if err != nil || out != "" {
		t.Fatalf("HMACGATE_ADMIN_TOKEN: %v, printed %q", err, out)
	}
	base, stop = serve(d)
	defer stop()
	if adminGet(t, base, set) != 200 || adminGet(t, base, tok) != 401 {
		t.Error("HMACGATE_ADMIN_TOKEN did not replace the token")
	}
}

// serve runs d until stop is called.
func serve(d *server.Daemon) (base string, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	return "http://" + d.Addr(), func() { cancel(); <-done }
}

func adminGet(t *testing.T, base, tok string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/environments", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}
