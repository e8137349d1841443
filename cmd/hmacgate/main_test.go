package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestHelpExamples runs the example at the end of every command's --help
// (each entry of the dispatch table: the groups and their subcommands) as
// written: its "$ " lines in order, in one bash session (as a user types
// them; `kill %1` and variables work), in an empty directory, with the
// hmacgate under test on PATH. Every line must succeed; the lines under one,
// if any, are its exact stdout, where "…" stands for any text. Lines starting
// with "# " are comments.
//
// The examples of serve, proxy and admin start servers on their documented
// ports (8080, 8081, 9081, 3000): they run in a network namespace of their
// own when this machine can make one (unshare and ip, as root or with user
// namespaces), so that they collide with nothing else that runs here.
func TestHelpExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "node"} {
		requireTool(t, tool)
	}
	if _, err := exec.LookPath("hmacgate"); err != nil {
		t.Fatal("hmacgate is not on PATH; testscript.Main should have put it there")
	}
	netns := namespaceCommand(t)
	cmds := commandPaths()
	if len(cmds) < 10 {
		t.Fatalf("only %d commands found in the dispatch table", len(cmds))
	}
	for _, c := range cmds {
		t.Run(strings.Join(c, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(append(c, "--help"), strings.NewReader(""), &stdout, &stderr, func(string) string { return "" }); code != 0 {
				t.Fatalf("--help: exit %d: %s", code, stderr.String())
			}
			_, example, ok := strings.Cut(stdout.String(), "\nExample:\n")
			if !ok {
				t.Fatalf("--help has no Example:\n%s", stdout.String())
			}
			steps, err := parseExample(example)
			if err != nil {
				t.Fatal(err)
			}
			runExample(t, netns, steps)
		})
	}
}

// TestHelpText checks the shape of every command's --help: each flag is
// listed once, with a usage line; a group names its subcommands "Commands",
// or "Schemes" where they are the two signing schemes; the example comes
// last.
func TestHelpText(t *testing.T) {
	flagLine := regexp.MustCompile(`^\s+(--[a-z-]+)`)
	for _, c := range commandPaths() {
		t.Run(strings.Join(c, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Main(append(c, "--help"), nil, &stdout, &stderr, nil); code != 0 {
				t.Fatalf("--help: exit %d: %s", code, stderr.String())
			}
			help := stdout.String()
			lines := strings.Split(help, "\n")
			seen := map[string]int{}
			for i, l := range lines {
				m := flagLine.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				seen[m[1]]++
				// printUsage puts the usage on the next line; an empty usage
				// leaves it blank, or holding only "(default …)".
				if i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) == "" || strings.TrimSpace(lines[i+1])[0] == '(' {
					t.Errorf("%s has no usage line:\n%s", m[1], help)
				}
			}
			for f, n := range seen {
				if n != 1 {
					t.Errorf("%s is listed %d times:\n%s", f, n, help)
				}
			}
			example := strings.LastIndex(help, "\nExample:\n")
			if example < 0 || strings.Contains(help[example:], "\nFlags:\n") {
				t.Errorf("--help does not end with its example:\n%s", help)
			}
			if len(c) == 1 {
				for _, cmd := range commands {
					if cmd.name == c[0] && cmd.group != nil {
						want := "\nCommands:\n"
						if c[0] == "sign" || c[0] == "verify" {
							want = "\nSchemes:\n"
						}
						if !strings.Contains(help, want) {
							t.Errorf("group --help lacks %q:\n%s", want, help)
						}
					}
				}
			}
		})
	}
}

// commandPaths lists every command of the dispatch table: each group, each
// of its subcommands, and each plain command.
func commandPaths() [][]string {
	var out [][]string
	for _, c := range commands {
		out = append(out, []string{c.name})
		if c.group != nil {
			for _, sub := range c.group.subs {
				out = append(out, []string{c.name, sub.name})
			}
		}
	}
	return out
}

// exampleStep is one "$ " line of an example and the stdout shown under it
// (nil: not shown, not checked).
type exampleStep struct {
	script string
	want   []string
}

func parseExample(example string) ([]exampleStep, error) {
	var steps []exampleStep
	for _, line := range strings.Split(strings.TrimRight(example, "\n"), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "# ") {
			continue
		}
		if script, ok := strings.CutPrefix(line, "$ "); ok {
			steps = append(steps, exampleStep{script: script})
			continue
		}
		if len(steps) == 0 {
			return nil, fmt.Errorf("example line %q is output without a command", line)
		}
		steps[len(steps)-1].want = append(steps[len(steps)-1].want, line)
	}
	if len(steps) == 0 {
		return nil, errors.New("empty example")
	}
	return steps, nil
}

// stepMarker separates the output of the steps; it is printed on a line of
// its own before each step.
const stepMarker = "@@hmacgate-example-step@@"

// runExample runs steps as one bash script in a new empty directory, in
// netns (a command prefix that makes a network namespace) if any, and checks
// their output. Whatever the example leaves running is killed at the end.
func runExample(t *testing.T, netns []string, steps []exampleStep) {
	dir := t.TempDir()
	var script strings.Builder
	script.WriteString("set -e\n")
	for _, s := range steps {
		fmt.Fprintf(&script, "printf '\\n%s\\n'\n%s\n", stepMarker, s.script)
	}
	fmt.Fprintf(&script, "printf '\\n%s\\n'\n", stepMarker)
	file := filepath.Join(t.TempDir(), "example.sh")
	if err := os.WriteFile(file, []byte(script.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append(append([]string(nil), netns...), "bash", file)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = exampleEnv()
	// A process group of its own, so that servers the example started in
	// the background are stopped with it; files rather than pipes, so that
	// such a server does not hold Wait.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	outFile, errFile := filepath.Join(dir, ".stdout"), filepath.Join(dir, ".stderr")
	stdout, err := os.Create(outFile)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(errFile)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	runErr := cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	out, _ := os.ReadFile(outFile)
	errOut, _ := os.ReadFile(errFile)

	parts := strings.Split(string(out), "\n"+stepMarker+"\n")[1:] // before the first marker: nothing
	if runErr != nil {
		failed := "?"
		if n := len(parts); n >= 1 && n <= len(steps) {
			failed = steps[n-1].script
		}
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", failed, runErr, out, errOut)
	}
	if len(parts) != len(steps)+1 {
		t.Fatalf("ran %d of %d steps:\n%s\nstderr:\n%s", len(parts)-1, len(steps), out, errOut)
	}
	for i, s := range steps {
		if s.want == nil {
			continue
		}
		if !globMatch(strings.Join(s.want, "\n")+"\n", parts[i]) {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s\nstderr of the example:\n%s", s.script, parts[i], strings.Join(s.want, "\n"), errOut)
		}
	}
}

// globMatch reports whether text is pattern, where "…" in pattern stands
// for any text.
func globMatch(pattern, text string) bool {
	parts := strings.Split(pattern, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`(?s)^` + strings.Join(parts, ".*") + `$`).MatchString(text)
}

// exampleEnv is this process's environment without HMACGATE_* variables, so
// that a developer's settings do not change what the examples do.
func exampleEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HMACGATE_") {
			env = append(env, kv)
		}
	}
	return env
}

// namespaceCommand returns a command prefix that runs a command in a new
// network namespace with its loopback up, or nil (the host's network, where
// the examples' ports must be free) when this machine cannot make one.
func namespaceCommand(t *testing.T) []string {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Logf("no unshare: the examples use this machine's network, so ports 8080, 8081, 9081 and 3000 must be free")
		return nil
	}
	prefix := []string{"unshare", "--net"}
	if os.Geteuid() != 0 {
		prefix = append(prefix, "--map-root-user")
	}
	prefix = append(prefix, "sh", "-c", `ip link set lo up && exec "$@"`, "netns")
	if out, err := exec.Command(prefix[0], append(prefix[1:], "true")...).CombinedOutput(); err != nil {
		t.Logf("cannot make a network namespace (%v: %s): the examples use this machine's network, so ports 8080, 8081, 9081 and 3000 must be free",
			err, bytes.TrimSpace(out))
		return nil
	}
	return prefix
}

// requireTool fails t when tool is missing and HMACGATE_REQUIRE_SERVICES or
// HMACGATE_REQUIRE_TOOLCHAINS is set (CI sets the first), and skips it
// otherwise.
func requireTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err == nil {
		return
	}
	if os.Getenv("HMACGATE_REQUIRE_SERVICES") != "" || os.Getenv("HMACGATE_REQUIRE_TOOLCHAINS") != "" {
		t.Fatalf("%s is required (HMACGATE_REQUIRE_SERVICES or HMACGATE_REQUIRE_TOOLCHAINS is set) but not on PATH", tool)
	}
	t.Skipf("%s is not on PATH (set HMACGATE_REQUIRE_TOOLCHAINS=1 to make this a failure)", tool)
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
