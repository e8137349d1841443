package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestREADMECLIExamples runs the "## The CLI" block of the README as
// written (with the hmacgate under test on PATH instead of ./hmacgate):
// each command must run, and each output line shown under it must appear.
func TestREADMECLIExamples(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## The CLI\n")
	if !ok {
		t.Fatal("README has no '## The CLI' section")
	}
	_, block, _ := strings.Cut(section, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	dir := t.TempDir()
	lines := strings.Split(strings.TrimRight(block, "\n"), "\n")
	ran := 0
	for i := 0; i < len(lines); i++ {
		script, ok := strings.CutPrefix(lines[i], "$ ")
		if !ok {
			t.Fatalf("line %q is output without a command", lines[i])
		}
		var want []string
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "$ ") {
			i++
			want = append(want, lines[i])
		}
		if strings.HasPrefix(script, "go build") {
			continue // the test runs the binary under test instead
		}
		script = strings.ReplaceAll(script, "./hmacgate", "hmacgate")
		cmd := exec.Command("sh", "-c", script)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil && len(want) == 0 {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		for _, w := range want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: output lacks %q:\n%s", script, w, out)
			}
		}
		ran++
	}
	if ran < 5 {
		t.Fatalf("only %d commands ran", ran)
	}
}
