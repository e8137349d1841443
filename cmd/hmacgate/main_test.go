package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the hmacgate command: testscript puts
// a copy named hmacgate on PATH, and running it calls main.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"hmacgate": main})
}

// TestScripts runs testdata/*.txtar. Besides the standard commands, scripts
// may use:
//
//	writefile FILE 'TEXT' [N]  write TEXT (with Go escapes: \n, \r, \xff, \") N times (default 1) to FILE
//	chomp FILE             remove one trailing "\n" from FILE (txtar files always end with one)
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"writefile": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 || len(args) > 3 {
					ts.Fatalf("usage: writefile FILE 'TEXT' [N]")
				}
				text, err := strconv.Unquote(`"` + args[1] + `"`)
				ts.Check(err)
				n := 1
				if len(args) == 3 {
					n, err = strconv.Atoi(args[2])
					ts.Check(err)
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Repeat(text, n)), 0o600))
			},
			"chomp": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: chomp FILE")
				}
				b, err := os.ReadFile(ts.MkAbs(args[0]))
				ts.Check(err)
				b, ok := bytes.CutSuffix(b, []byte("\n"))
				if !ok {
					ts.Fatalf("%s does not end with a newline", args[0])
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o600))
			},
		},
	})
}

// TestHelpExamples runs the example of every subcommand's --help as written,
// with sh, in an empty directory: each "$ " line must succeed, and the lines
// after it, if any, are its exact stdout. Lines starting with "# " are comments.
func TestHelpExamples(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	if _, err := exec.LookPath("hmacgate"); err != nil {
		t.Fatal("hmacgate is not on PATH; testscript.Main should have put it there")
	}
	for _, c := range [][]string{
		{"keygen"}, {"sign", "connect"}, {"verify", "connect"}, {"sign", "order"}, {"verify", "order"},
	} {
		name := strings.Join(c, " ")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(append(c, "--help"), strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 {
				t.Fatalf("--help: exit %d: %s", code, stderr.String())
			}
			_, example, ok := strings.Cut(stdout.String(), "\nExample:\n")
			if !ok {
				t.Fatalf("--help has no Example:\n%s", stdout.String())
			}
			dir := t.TempDir()
			steps := 0
			lines := strings.Split(strings.TrimRight(example, "\n"), "\n")
			for i := 0; i < len(lines); i++ {
				line := strings.TrimSpace(lines[i])
				if strings.HasPrefix(line, "# ") {
					continue // a comment
				}
				script, ok := strings.CutPrefix(line, "$ ")
				if !ok {
					t.Fatalf("example line %q is output without a command", line)
				}
				var want []string
				for i+1 < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "$ ") && !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "# ") {
					i++
					want = append(want, strings.TrimSpace(lines[i]))
				}
				cmd := exec.Command("sh", "-c", script)
				cmd.Dir = dir
				out, err := cmd.Output()
				if err != nil {
					var errOut []byte
					if ee, ok := err.(*exec.ExitError); ok {
						errOut = ee.Stderr
					}
					t.Fatalf("%s: %v\n%s", script, err, errOut)
				}
				if want != nil && string(out) != strings.Join(want, "\n")+"\n" {
					t.Errorf("%s:\ngot:\n%s\nwant:\n%s", script, out, strings.Join(want, "\n"))
				}
				steps++
			}
			if steps == 0 {
				t.Fatal("empty example")
			}
		})
	}
}

// TestNoSecretInOutput runs every subcommand in-process with secrets that
// are easy to spot, on success and on each kind of failure, and checks that
// no output holds a secret or the expected signature.
func TestNoSecretInOutput(t *testing.T) {
	dir := t.TempDir()
	const (
		key    = "hgk_LEAKCANARY-connect-key-000000000000000000000"
		secret = "hgk_LEAKCANARY-order-secret-00000000000000000000"
		weak   = "LEAKWEAK"
	)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile, secretFile, weakFile := write("key", key+"\n"), write("secret", secret), write("weak", weak)
	od := write("od", `{"hmacTimestamp":1767225600000,"installationId":"inst-1"}`)
	// The expected signature and digest, which must never appear in a refusal.
	var sig, digest bytes.Buffer
	env := func(name string) string {
		if name == "HG_SECRET" {
			return secret
		}
		return ""
	}
	if Main([]string{"sign", "order", "--secret-file", secretFile, "--orderdata-file", od}, nil, &sig, os.Stderr, env) != 0 {
		t.Fatal("sign order failed")
	}
	if Main([]string{"sign", "connect", "--key-file", keyFile, "--integration", "i", "--connection", "c"}, nil, &digest, os.Stderr, env) != 0 {
		t.Fatal("sign connect failed")
	}
	badBody := write("bad", "orderdata=%7B%22hmacTimestamp%22%3A1767225600000%7D&hmacsignature=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D")
	hexBody := write("hex", "orderdata=x&hmacsignature="+strings.Repeat("ab", 32))
	runs := [][]string{
		{"sign", "connect", "--key-file", weakFile, "--integration", "i", "--connection", "c"},
		{"sign", "connect", "--key-file", keyFile, "--integration", "i:x", "--connection", "c"},
		{"verify", "connect", "--key-file", keyFile, "--key-file", weakFile, "--integration", "i", "--connection", "c", "--hmac", strings.Repeat("0", 64)},
		{"verify", "connect", "--key-file", keyFile, "--integration", "i", "--connection", "c", "--hmac", "zz"},
		{"verify", "order", "--secret-file", secretFile, "--body-file", badBody, "--explain", "--now", "1767225600000"},
		{"verify", "order", "--secret-env", "HG_SECRET", "--body-file", hexBody, "--explain"},
		{"verify", "order", "--secret-file", weakFile, "--secret-file", secretFile, "--body-file", badBody, "--explain", "--now", "1767225600000"},
		{"verify", "order", "--secret-file", keyFile, "--body-file", badBody, "--bogus"},
	}
	for _, args := range runs {
		var stdout, stderr bytes.Buffer
		Main(args, strings.NewReader(""), &stdout, &stderr, env)
		out := stdout.String() + stderr.String()
		if out == "" {
			t.Errorf("%q: no output", args)
		}
		for _, s := range []string{"LEAKCANARY", "LEAKWEAK", strings.TrimSpace(sig.String()), strings.TrimSpace(digest.String())} {
			if strings.Contains(out, s) {
				t.Errorf("%q: output contains %q:\n%s", args, s, out)
			}
		}
	}
}
