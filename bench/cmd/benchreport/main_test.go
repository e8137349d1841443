package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const raw = `cpu: Test CPU
BenchmarkSignature/size=1KiB/impl=hmacgate-2   100  900 ns/op  0 B/op  0 allocs/op
BenchmarkSignature/size=1KiB/impl=stripe-2     100 2000 ns/op 808 B/op 17 allocs/op
BenchmarkOrder/impl=hmacgate-2                 100 3000 ns/op 880 B/op  2 allocs/op
BenchmarkOrder/impl=naive-2                    100 12000 ns/op 3432 B/op 28 allocs/op
`

const cpuinfo = `processor	: 0
model name	: Example CPU
flags		: fpu sse2 sha_ni avx2

processor	: 1
model name	: Example CPU
flags		: fpu sse2 sha_ni avx2
`

// A rerun replaces only the marked region: the sections others write into
// docs/benchmarks.md survive.
func TestRunKeepsOtherSections(t *testing.T) {
	dir := t.TempDir()
	docs := filepath.Join(dir, "docs")
	if err := os.Mkdir(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rawPath := write("raw.txt", raw)
	cpuPath := write("cpuinfo", cpuinfo)
	tablePath := write("table.txt", "goos: linux\n │ hmacgate │\n")
	doc := write("docs/benchmarks.md", "# Benchmarks\n\n## Load tests\n\nrps table\n")
	svg := filepath.Join(docs, "benchmarks.svg")

	for range 2 {
		if err := run(options{raw: rawPath, doc: doc, svg: svg, goVersion: "go version go1.26.8 linux/amd64", commit: "abc123",
			peers: "example.com/peer v1.0.0\n", count: 10, benchtime: "1s", command: "scripts/bench.sh", cpuinfo: cpuPath,
			load: "0.5 0.4 0.3", date: "2026-01-02 03:04 UTC", tables: []string{"Signature=" + tablePath}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"## Load tests\n\nrps table\n", "Example CPU (Go reports \"Test CPU\"), SHA-NI, 2 cores",
		"`example.com/peer v1.0.0`", "(benchmarks.svg)", "#### Signature", "0.45× Stripe ValidatePayload",
		"0.25× naive seed pipeline", "| load average | 0.5 0.4 0.3", "| date | 2026-01-02 03:04 UTC |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	if n := strings.Count(s, "<!-- bench:begin -->"); n != 1 {
		t.Errorf("%d regions after two runs", n)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.HasPrefix(string(b), "<svg ") {
		t.Errorf("chart: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(docs, ".benchreport-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestRunRefusesAnEmptyRun(t *testing.T) {
	dir := t.TempDir()
	rawPath := filepath.Join(dir, "raw.txt")
	os.WriteFile(rawPath, []byte("PASS\n"), 0o644)
	err := run(options{raw: rawPath, doc: filepath.Join(dir, "doc.md"), svg: filepath.Join(dir, "c.svg"), count: 1, benchtime: "1s",
		cpuinfo: "/nonexistent"})
	if err == nil {
		t.Fatal("a run with no results was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "doc.md")); err == nil {
		t.Error("document written for a run with no results")
	}
}

// The README's performance paragraph comes from the same run as the
// document: a rerun replaces it between its markers and nothing else.
func TestRunWritesTheREADMESummary(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rawPath := write("raw.txt", raw)
	doc := write("docs/benchmarks.md", "# Benchmarks\n")
	readme := write("README.md", "# hmacgate\n\n## Performance\n\n<!-- bench-summary:begin -->\nold figures\n<!-- bench-summary:end -->\n\nkeep me\n")
	o := options{raw: rawPath, doc: doc, svg: filepath.Join(dir, "docs", "benchmarks.svg"), readme: readme, commit: "abc123",
		count: 10, benchtime: "1s", cpuinfo: "/nonexistent", date: "2026-01-02 03:04 UTC"}
	for range 2 {
		if err := run(o); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"# hmacgate\n\n## Performance\n\n<!-- bench-summary:begin -->\n", "<!-- bench-summary:end -->\n\nkeep me\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("README lacks %q:\n%s", want, s)
		}
	}
	words := strings.Join(strings.Fields(s), " ") // the paragraph is wrapped
	for _, want := range []string{
		"[docs/benchmarks.md](docs/benchmarks.md), 2026-01-02, hmacgate abc123",
		"0.45× the time of the fastest peer (Stripe ValidatePayload) with 0 allocations",
		"(3.00 µs, 2 allocations) takes 0.25× the naive seed pipeline",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("README lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "old figures") || strings.Count(s, "bench-summary:begin") != 1 {
		t.Errorf("summary not replaced exactly once:\n%s", s)
	}

	// A README without the markers is refused, and nothing is written.
	write("README.md", "# hmacgate\n\nno markers\n")
	docBefore, _ := os.ReadFile(doc)
	os.Remove(o.svg)
	if err := run(o); err == nil {
		t.Error("a README without markers was accepted")
	}
	if b, _ := os.ReadFile(readme); string(b) != "# hmacgate\n\nno markers\n" {
		t.Errorf("README changed: %q", b)
	}
	if after, _ := os.ReadFile(doc); string(after) != string(docBefore) {
		t.Error("document written although the README was refused")
	}
	if _, err := os.Stat(o.svg); err == nil {
		t.Error("chart written although the README was refused")
	}

	// A quick run may write a README of its own elsewhere.
	o.readme = filepath.Join(dir, "quick", "README.md")
	os.MkdirAll(filepath.Dir(o.readme), 0o755)
	if err := run(o); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(o.readme); !strings.Contains(string(b), "[../docs/benchmarks.md](../docs/benchmarks.md)") {
		t.Errorf("quick README: %s", b)
	}
}
