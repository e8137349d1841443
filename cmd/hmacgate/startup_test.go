package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/hmacgate/hmacgate/internal/testenv"
)

// TestInstancesStartTogether: three `hmacgate serve` processes started at
// once on a new PostgreSQL database all start, exactly one prints the admin
// token, and that token works on every one of them — twenty times, each on
// a fresh schema (issue 12, finding 3: one of two quit in 2 of 3 tries, and
// when both started each printed a token of its own, of which one worked).
func TestInstancesStartTogether(t *testing.T) {
	master := newKey(t)
	// Rounds are independent (a schema each, and the migration lock is per
	// schema): they run -parallel at a time, GOMAXPROCS by default.
	for round := range 20 {
		t.Run(sprint("round-", round), func(t *testing.T) {
			t.Parallel()
			startTogether(t, master)
		})
	}
}

// startTogether starts three instances at once on a fresh schema and
// checks that all start, one prints the token, and it works on each.
func startTogether(t *testing.T, master string) {
	dbURL, _ := testenv.PostgresSchema(t)
	vars := []string{"HMACGATE_MASTER_KEY=" + master}
	var procs []*serveProc
	for range 3 {
		procs = append(procs, launchServe(t, vars, "--data-dir", t.TempDir(), "--database-url", dbURL))
	}
	var tokens []string
	for i, p := range procs {
		if !p.ready() {
			t.Fatalf("instance %d did not start: %v\n%s", i, p.err, p.stderr.String())
		}
		if tok := p.adminToken(); tok != "" {
			tokens = append(tokens, tok)
		}
	}
	if len(tokens) != 1 {
		t.Fatalf("%d instances printed an admin token; want exactly one", len(tokens))
	}
	for i, p := range procs {
		if code := p.call("GET", "/v1/environments", tokens[0], "", nil); code != 200 {
			t.Fatalf("the printed token on instance %d: %d", i, code)
		}
	}
	for _, p := range procs {
		p.terminate() // all at once; stop waits for each
	}
	for _, p := range procs {
		if err := p.stop(); err != nil {
			t.Fatalf("stop: %v\n%s", err, p.stderr.String())
		}
	}
}

// TestSecondServeProcess: a second `hmacgate serve` on a SQLite data
// directory in use refuses to start and says which process holds it; once
// the first stops, a new one starts (issue 12, finding 4: both ran, each
// with its own cache, and one kept enforcing what the other switched off).
func TestSecondServeProcess(t *testing.T) {
	dir := t.TempDir()
	first := mustServe(t, nil, "--data-dir", dir)
	second := launchServe(t, nil, "--data-dir", dir)
	if second.ready() {
		t.Fatal("a second serve started on the data directory in use")
	}
	msg := second.stderr.String()
	if !strings.Contains(msg, "is in use by another hmacgate serve (pid "+strconv.Itoa(first.cmd.Process.Pid)+")") {
		t.Errorf("the refusal does not say who holds the directory:\n%s", msg)
	}
	if second.cmd.ProcessState.ExitCode() != 1 {
		t.Errorf("exit code %d; want 1", second.cmd.ProcessState.ExitCode())
	}
	if code := first.call("GET", "/readyz", "", "", nil); code != 200 {
		t.Errorf("the first server after the refused second: %d", code)
	}
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	mustServe(t, nil, "--data-dir", dir)
}
