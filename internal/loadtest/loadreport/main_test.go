package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/loadtest"
)

func writeRun(t *testing.T, dir, name, scenario string, rs ...loadtest.Result) string {
	t.Helper()
	p := filepath.Join(dir, name)
	r := loadtest.Run{Scenario: scenario, Command: "go run ./x", Settings: "s", Date: time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC),
		Go: "go1.26.8", GOMAXPROCS: 2, CPU: "Test CPU", Results: rs}
	if err := r.WriteFile(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// The region of the document and the README's sentence come from the same
// runs; a rerun replaces both between their markers and nothing else.
func TestRunWritesBothDocuments(t *testing.T) {
	dir := t.TempDir()
	partner := writeRun(t, dir, "p.json", "partner", loadtest.Result{Key: "a", Rate: 1000}, loadtest.Result{Key: "b", Rate: 930},
		loadtest.Result{Key: "c", Rate: 360})
	connect := writeRun(t, dir, "c.json", "connect", loadtest.Result{Key: "noop", Rate: 1000}, loadtest.Result{Key: "refused-missing", Rate: 880},
		loadtest.Result{Key: "refused-wrong", Rate: 900}, loadtest.Result{Key: "accepted", Rate: 240})
	doc := filepath.Join(dir, "docs", "benchmarks.md")
	readme := filepath.Join(dir, "README.md")
	os.Mkdir(filepath.Dir(doc), 0o755)
	os.WriteFile(doc, []byte("# B\n\n"+loadtest.BeginMarker+"\nhand figures\n"+loadtest.EndMarker+"\n\n## Kept\n"), 0o644)
	os.WriteFile(readme, []byte("# R\n\n"+loadtest.SummaryBegin+"\nhand figures\n"+loadtest.SummaryEnd+"\n\nkept\n"), 0o644)
	o := options{connect: connect, partner: partner, doc: doc, readme: readme, commit: "abc1234"}
	for range 2 {
		if err := run(o); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := os.ReadFile(doc)
	r, _ := os.ReadFile(readme)
	for _, c := range []struct{ text, want string }{
		{string(d), "# B\n\n" + loadtest.BeginMarker + "\n"}, {string(d), loadtest.EndMarker + "\n\n## Kept\n"},
		{string(d), "| (b) behind the middleware | 0.93 | ≥ 0.9× **PASS** |"},
		{string(r), "# R\n\n" + loadtest.SummaryBegin + "\n"}, {string(r), loadtest.SummaryEnd + "\n\nkept\n"},
		{strings.Join(strings.Fields(string(r)), " "), "([docs/benchmarks.md](docs/benchmarks.md), 2026-11-30, hmacgate abc1234"},
		{strings.Join(strings.Fields(string(r)), " "), "the order middleware keeps 0.93× the requests per second of a bare handler, and refused connect calls 0.88–0.90×"},
	} {
		if !strings.Contains(c.text, c.want) {
			t.Errorf("lacks %q:\n%s", c.want, c.text)
		}
	}
	for _, text := range []string{string(d), string(r)} {
		if strings.Contains(text, "hand figures") {
			t.Errorf("old region kept:\n%s", text)
		}
	}

	// A README without the markers is refused; neither document changes.
	os.WriteFile(readme, []byte("# R\n"), 0o644)
	before, _ := os.ReadFile(doc)
	o.partner = writeRun(t, dir, "p2.json", "partner", loadtest.Result{Key: "a", Rate: 1000}, loadtest.Result{Key: "b", Rate: 500})
	if err := run(o); err == nil {
		t.Error("a README without markers was accepted")
	}
	if after, _ := os.ReadFile(doc); string(after) != string(before) {
		t.Error("document written although the README was refused")
	}

	// Files given as the wrong scenario, and no runs at all, are refused.
	if err := run(options{connect: partner, doc: doc}); err == nil {
		t.Error("a partner run given as connect was accepted")
	}
	if err := run(options{doc: doc}); err == nil {
		t.Error("no runs accepted")
	}
}
