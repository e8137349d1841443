package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/testenv"
)

// TestDocExamples runs the shell examples of README.md and docs/*.md as a
// reader would, on loopback: every ```sh (or ```bash) block that can run
// here runs, and the others are listed with the reason they are skipped.
//
// The documents of a file share a working directory (a new empty one) and
// run in order, so a block may use what an earlier one made: files, and
// servers. A line that starts `hmacgate serve` or `hmacgate proxy` runs in
// the background on a free port (instead of the documented one, which a
// later block's localhost:8080 then means) until the file is done; the
// admin token a server prints fills the `hga_…` placeholder. The hmacgate
// under test is on PATH as `hmacgate`, and stands for `./hmacgate` and `go
// run ./cmd/hmacgate`. curl fails on an HTTP error (--fail-with-body) and
// scripts run with bash -e -o pipefail, so a refused call fails the test.
// A block of `$ ` lines is a transcript: each command runs, and each line
// after it must appear in its output.
//
// A document can skip a block on purpose with a line
// `<!-- docs-test: skip <reason> -->` right before it.
func TestDocExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, tool+" (scripts/install-doc-tools.sh installs it)", err)
		}
	}
	files, _ := filepath.Glob("../../docs/*.md")
	files = append([]string{"../../README.md"}, files...)
	ran, skipped := 0, 0
	for _, f := range files {
		blocks, err := readShellBlocks(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(f, "../../")
		t.Run(name, func(t *testing.T) {
			d := newDocRun(t)
			for _, b := range blocks {
				b.text = d.fill(b.text)
				if reason := skipReason(b); reason != "" {
					t.Logf("skipped %s:%d: %s", name, b.line, reason)
					skipped++
					continue
				}
				d.run(b)
				t.Logf("ran %s:%d", name, b.line)
				ran++
			}
		})
	}
	t.Logf("%d shell blocks ran, %d skipped (listed above with their reasons)", ran, skipped)
	if ran < 4 {
		t.Errorf("only %d shell blocks ran", ran)
	}
}

// shellBlock is a ```sh block of a document.
type shellBlock struct {
	line int    // of the opening fence
	text string // without the fences and the block's indentation
	// skip is the reason a <!-- docs-test: skip … --> line gives.
	skip string
}

var skipMarker = regexp.MustCompile(`<!--\s*docs-test:\s*skip\s+(.*?)\s*-->`)

// readShellBlocks returns the ```sh and ```bash blocks of a Markdown file,
// including indented ones (in lists).
func readShellBlocks(file string) ([]shellBlock, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []shellBlock
	var cur *shellBlock
	indent, lastLine := "", ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && (trimmed == "```sh" || trimmed == "```bash"):
			cur = &shellBlock{line: n}
			indent = line[:strings.Index(line, "`")]
			if m := skipMarker.FindStringSubmatch(lastLine); m != nil {
				cur.skip = m[1]
			}
		case cur != nil && trimmed == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += strings.TrimPrefix(line, indent) + "\n"
		}
		if trimmed != "" {
			lastLine = trimmed
		}
	}
	return out, sc.Err()
}

// docSkips are the kinds of block that cannot run here, first match wins.
var docSkips = []struct {
	re     *regexp.Regexp
	reason string
}{
	{regexp.MustCompile(`\bmake test\b|\bgo test\b`), "runs the test suite, which runs this test"},
	{regexp.MustCompile(`\bapt-get\b|\bsudo\b|scripts/install-`), "installs system packages"},
	{regexp.MustCompile(`\bkill\b|\bpidof\b`), "signals a process the reader runs"},
	{regexp.MustCompile(`loadtest\b|scripts/bench\.sh`), "a benchmark or load test: minutes of full CPU on a shared machine; run by hand"},
	{regexp.MustCompile(`testdata/gen/generate\.sh`), "needs every language's toolchain (Java, Ruby, Rust, PHP, Node, Python)"},
	{regexp.MustCompile(`\.internal\b|\bexample\.(com|org|net)\b|\.example\b|://(?:[a-z0-9-]+\.)+[a-z]{2,}[:/]`), "talks to hosts outside this machine"},
	{regexp.MustCompile(`(^|\s)/etc/`), "uses a deployment's files under /etc"},
	{regexp.MustCompile(`…|<[A-Z][A-Z_-]+>`), "has placeholders (… or <NAME>) for the reader to fill in"},
}

var shellComment = regexp.MustCompile(`(?m)(^|\s)#.*$`)

// skipReason says why a block cannot run here, "" if it can. Comments do
// not count: "# → {"key":"hgk_…"}" is no placeholder.
func skipReason(b shellBlock) string {
	if b.skip != "" {
		return b.skip
	}
	code := shellComment.ReplaceAllString(b.text, "")
	for _, s := range docSkips {
		if s.re.MatchString(code) {
			return s.reason
		}
	}
	return ""
}

// docRun is the state one document's blocks share.
type docRun struct {
	t          *testing.T
	dir        string
	env        []string
	addrs      map[string]string // documented address → the free one used instead
	adminToken string            // printed by a server this document started
	logs       []string          // of the background servers
	background int
}

func newDocRun(t *testing.T) *docRun {
	d := &docRun{t: t, dir: t.TempDir(), addrs: map[string]string{}}
	bin := t.TempDir()
	curl, _ := exec.LookPath("curl")
	wrapper := "#!/bin/sh\nexec " + strconv.Quote(curl) + " --fail-with-body \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "curl"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	d.env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Cleanup(d.stopBackground)
	return d
}

// fill puts what the run knows into a block: the hmacgate under test, the
// servers' real addresses and the admin token.
func (d *docRun) fill(text string) string {
	text = strings.NewReplacer("go build -o hmacgate ./cmd/hmacgate", ": the hmacgate under test is on PATH",
		"go run ./cmd/hmacgate", "hmacgate", "./hmacgate", "hmacgate", "\\\n", "").Replace(text)
	for from, to := range d.addrs {
		text = strings.ReplaceAll(text, from, to)
		if host, port, _ := net.SplitHostPort(from); host == "127.0.0.1" {
			text = strings.ReplaceAll(text, "localhost:"+port, to)
		}
	}
	if d.adminToken != "" {
		text = strings.ReplaceAll(text, "hga_…", d.adminToken)
	}
	return text
}

// run runs a block: a transcript command by command, a script at once.
func (d *docRun) run(b shellBlock) {
	d.t.Helper()
	if strings.HasPrefix(b.text, "$ ") {
		d.runTranscript(b)
		return
	}
	out, err := d.bash(d.backgroundServers(b.text))
	if err != nil {
		d.t.Fatalf("block at line %d failed: %v\n%s\n--- the block as run:\n%s", b.line, err, out, b.text)
	}
	d.readAdminToken()
}

// runTranscript runs each "$ " command of a block, checking that the
// lines after it appear in its output.
func (d *docRun) runTranscript(b shellBlock) {
	d.t.Helper()
	lines := strings.Split(strings.TrimRight(b.text, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		cmd, ok := strings.CutPrefix(lines[i], "$ ")
		if !ok {
			d.t.Fatalf("line %d: %q is output without a command", b.line+1+i, lines[i])
		}
		var want []string
		for i+1 < len(lines) && !strings.HasPrefix(lines[i+1], "$ ") {
			i++
			want = append(want, lines[i])
		}
		out, err := d.bash(d.backgroundServers(cmd))
		if err != nil && len(want) == 0 {
			d.t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				d.t.Errorf("%s: the output lacks %q:\n%s", cmd, w, out)
			}
		}
	}
	d.readAdminToken()
}

// bash runs a script in the document's directory, with the shell
// variables the document's earlier blocks set, as in the reader's terminal.
func (d *docRun) bash(script string) (string, error) {
	cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", docPrelude+script+"\nexport -p > .docs-vars\n")
	cmd.Dir, cmd.Env = d.dir, d.env
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
		}
	}()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// docPrelude loads the variables of the earlier blocks (every variable is
// exported, to be saved after the block), and defines wait_for PID ADDR
// LOG, which waits for a background server.
const docPrelude = `set -a
[ -f .docs-vars ] && . ./.docs-vars
wait_for() {
	for _ in $(seq 600); do
		if ! kill -0 "$1" 2>/dev/null; then echo "the server stopped:"; cat "$3"; return 1; fi
		(exec 3<>"/dev/tcp/${2%:*}/${2##*:}") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing listens on $2"; return 1
}
`

var serverLine = regexp.MustCompile(`(?m)^(\s*)hmacgate (serve|proxy)\b(.*)$`)

// backgroundServers rewrites the lines that start a server: each runs in the
// background on a free port, and the script waits until it listens.
func (d *docRun) backgroundServers(script string) string {
	return serverLine.ReplaceAllStringFunc(script, func(line string) string {
		m := serverLine.FindStringSubmatch(line)
		args := m[3]
		if i := strings.Index(args, " #"); i >= 0 {
			args = args[:i]
		}
		listen := map[string]string{"serve": "127.0.0.1:8080", "proxy": "127.0.0.1:8081"}[m[2]]
		args = d.freeAddr(args, "--listen", &listen)
		admin := ""
		args = d.freeAddr(args, "--admin-listen", &admin)
		d.background++
		log := fmt.Sprintf("server-%d.log", d.background)
		d.logs = append(d.logs, filepath.Join(d.dir, log))
		return fmt.Sprintf("%shmacgate %s --listen %s%s > %s 2>&1 &\necho $! >> .servers; wait_for $! %s %s",
			m[1], m[2], listen, args, log, listen, log)
	})
}

// freeAddr takes the address of flag out of args, records a free one for
// it and returns args without the flag; addr holds the free address (the
// documented default in, when the flag is absent and addr is not "").
func (d *docRun) freeAddr(args, flag string, addr *string) string {
	re := regexp.MustCompile(`\s` + flag + `[ =](\S+)`)
	if m := re.FindStringSubmatch(args); m != nil {
		*addr = m[1]
		args = re.ReplaceAllString(args, "")
	}
	if *addr == "" {
		return args
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.t.Fatal(err)
	}
	free := ln.Addr().String()
	ln.Close()
	d.addrs[*addr] = free
	if flag == "--admin-listen" {
		args += " --admin-listen " + free
	}
	*addr = free
	return args
}

var adminTokenLine = regexp.MustCompile(`admin token: (hga_\S+)`)

// readAdminToken remembers the admin token a background server printed.
func (d *docRun) readAdminToken() {
	for _, l := range d.logs {
		b, _ := os.ReadFile(l)
		if m := adminTokenLine.FindSubmatch(b); m != nil {
			d.adminToken = string(m[1])
		}
	}
}

// stopBackground stops the servers the document started.
func (d *docRun) stopBackground() {
	b, _ := os.ReadFile(filepath.Join(d.dir, ".servers"))
	for _, f := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			_ = syscall.Kill(pid, syscall.SIGTERM)
			for i := 0; i < 50 && syscall.Kill(pid, 0) == nil; i++ {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
}
