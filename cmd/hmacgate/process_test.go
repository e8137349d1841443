package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/internal/testenv"
)

// The operator tests run the real binary as separate processes, as an
// operator would: the hmacgate on PATH is this test binary (TestMain), so
// what runs is the code under test.

// serveProc is a running `hmacgate serve`.
type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdout *testenv.SyncBuffer
	stderr *testenv.SyncBuffer
	base   string // http://ADDR once it serves
	exited chan struct{}
	err    error // the exit status, once exited is closed
	term   sync.Once
}

// processEnv is the environment of a child process: this one's without any
// HMACGATE_ setting (the test passes its own), plus vars.
func processEnv(vars ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HMACGATE_") || strings.HasPrefix(kv, "HMACGATE_REQUIRE_") {
			out = append(out, kv)
		}
	}
	return append(out, vars...)
}

// launchServe starts `hmacgate serve --listen 127.0.0.1:0 args…` with the
// environment variables vars; it is stopped at the end of the test.
func launchServe(t *testing.T, vars []string, args ...string) *serveProc {
	t.Helper()
	p := &serveProc{t: t, stdout: &testenv.SyncBuffer{}, stderr: &testenv.SyncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command("hmacgate", append([]string{"serve", "--listen", "127.0.0.1:0", "--log-level", "info"}, args...)...)
	p.cmd.Env = processEnv(vars...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() { p.stop() })
	return p
}

var listenLine = regexp.MustCompile(`msg=serving listen=(\S+)`)

// ready waits until the server serves (true) or exits (false).
func (p *serveProc) ready() bool {
	p.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if m := listenLine.FindStringSubmatch(p.stderr.String()); m != nil {
			p.base = "http://" + m[1]
			return true
		}
		select {
		case <-p.exited:
			return false
		case <-deadline:
			p.t.Fatalf("serve neither served nor exited within 60 s; stderr:\n%s", p.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// mustServe starts serve and fails the test unless it serves.
func mustServe(t *testing.T, vars []string, args ...string) *serveProc {
	t.Helper()
	p := launchServe(t, vars, args...)
	if !p.ready() {
		t.Fatalf("serve exited: %v\nstderr:\n%s", p.err, p.stderr.String())
	}
	return p
}

// terminate sends SIGTERM, once: a second one while serve shuts down
// would kill it (the default action, once its handler is gone).
func (p *serveProc) terminate() {
	p.term.Do(func() { _ = p.cmd.Process.Signal(syscall.SIGTERM) })
}

// stop sends SIGTERM (unless sent already) and waits for the exit; it
// returns the exit error.
func (p *serveProc) stop() error {
	select {
	case <-p.exited:
		return p.err
	default:
	}
	p.terminate()
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	return p.err
}

// adminToken returns the token the process printed, or "".
func (p *serveProc) adminToken() string {
	m := regexp.MustCompile(`(?m)^admin token: (\S+)$`).FindStringSubmatch(p.stdout.String())
	if m == nil {
		return ""
	}
	return m[1]
}

// call sends a JSON request and decodes the answer into out (if not nil).
func (p *serveProc) call(method, path, token, body string, out any) int {
	p.t.Helper()
	req, err := http.NewRequest(method, p.base+path, strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			p.t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
		}
	}
	return res.StatusCode
}

// runHmacgate runs one hmacgate command to its end and returns its exit
// code, stdout and stderr.
func runHmacgate(t *testing.T, vars []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command("hmacgate", args...)
	cmd.Env = processEnv(vars...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// newKey runs hmacgate keygen.
func newKey(t *testing.T) string {
	t.Helper()
	code, out, errOut := runHmacgate(t, nil, "keygen")
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, errOut)
	}
	return strings.TrimSpace(out)
}

// envCreds are an environment's keys as POST /v1/environments returns them.
type envCreds struct {
	ID        string `json:"id"`
	PublicKey string `json:"public_key"`
	SecretKey string `json:"secret_key"`
}

func must(t *testing.T, what string, code int, want ...int) {
	t.Helper()
	for _, w := range want {
		if code == w {
			return
		}
	}
	t.Fatalf("%s: status %d; want %v", what, code, want)
}

func sprint(a ...any) string { return fmt.Sprint(a...) }
