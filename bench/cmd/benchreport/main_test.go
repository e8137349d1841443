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
		if err := run(rawPath, doc, svg, "go version go1.26.8 linux/amd64", "abc123", "example.com/peer v1.0.0\n",
			10, "1s", "scripts/bench.sh", cpuPath, "0.5 0.4 0.3", "2026-01-02 03:04 UTC", []string{"Signature=" + tablePath}); err != nil {
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
	err := run(rawPath, filepath.Join(dir, "doc.md"), filepath.Join(dir, "c.svg"), "", "", "", 1, "1s", "", "/nonexistent", "", "", nil)
	if err == nil {
		t.Fatal("a run with no results was accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "doc.md")); err == nil {
		t.Error("document written for a run with no results")
	}
}
