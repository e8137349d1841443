package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/hmacgate/hmacgate"
	"github.com/hmacgate/hmacgate/order"
)

// The console's scenarios in a real browser: Debian's chromium, headless,
// driven by chromedp. One browser serves the whole test; each scenario
// opens its own tab. Without a browser the test skips, unless
// HMACGATE_REQUIRE_BROWSER=1 (CI) makes that a failure.
//
// HMACGATE_SCREENSHOTS=<dir> (relative paths are from the module root, e.g.
// docs/screenshots) writes a full-page PNG of each page there.

// findChromium returns the browser to drive, or skips (fails under
// HMACGATE_REQUIRE_BROWSER=1) when there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("HMACGATE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (looked for chromium, chromium-browser, google-chrome, headless-shell, and $HMACGATE_CHROMIUM); " +
		"install it with scripts/install-chromium.sh (as root: apt-get install chromium)"
	if os.Getenv("HMACGATE_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + "; HMACGATE_REQUIRE_BROWSER=1 makes this a failure")
	}
	t.Skip(msg + "; set HMACGATE_REQUIRE_BROWSER=1 to make this a failure")
	return ""
}

// browser is one headless Chromium for a whole test.
type browser struct {
	ctx   context.Context // the browser's context; tabs are its children
	ts    *testServer
	shots string // screenshot directory, "" for none
}

func startBrowser(t *testing.T, ts *testServer) *browser {
	t.Helper()
	path := findChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	b := &browser{ctx: bctx, ts: ts}
	if dir := os.Getenv("HMACGATE_SCREENSHOTS"); dir != "" {
		if !filepath.IsAbs(dir) {
			dir = filepath.Join("..", dir) // tests run in server/
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		b.shots = dir
	}
	return b
}

// tab is one browser tab for one scenario.
type tab struct {
	t   *testing.T
	b   *browser
	ctx context.Context

	mu       sync.Mutex
	requests []string // every URL the tab asked for
	console  []string // console errors and exceptions
	// others are origins besides the server's that the scenario serves
	// pages from on purpose (a customer's app calling the server).
	others []string
}

// tab opens a tab for the test. private gives it a fresh browser context:
// no cookies, like a visitor who never signed in. When the test fails, the
// tab's screenshot is saved and its path printed.
func (b *browser) tab(t *testing.T, private bool) *tab {
	t.Helper()
	var opts []chromedp.ContextOption
	if private {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, opts...)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// Generous: the machines that run the suite are shared and often loaded.
	tctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelT)
	tb := &tab{t: t, b: b, ctx: tctx}
	requests := chromedp.Events(tctx, network.RequestWillBeSent)
	console := chromedp.Console(tctx)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.requests = append(tb.requests, ev.Request.URL)
			tb.mu.Unlock()
		}
	}()
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				tb.mu.Lock()
				tb.console = append(tb.console, m.Text)
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			tb.failureShot()
		}
		tb.checkHygiene()
	})
	return tb
}

// failureShot saves what the tab shows, to look at after a failure.
func (tb *tab) failureShot() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.ctx), 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Logf("no failure screenshot: %v", err)
		return
	}
	dir, err := failureDir(tb.t)
	if err != nil {
		tb.t.Logf("no failure screenshot: %v", err)
		return
	}
	name := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(tb.t.Name())+".png")
	if err := os.WriteFile(name, buf, 0o644); err != nil {
		tb.t.Logf("no failure screenshot: %v", err)
		return
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	tb.t.Logf("failure screenshot of %s: %s", loc, name)
}

// failureDir is where a failure screenshot goes: the test's artifact
// directory under go test -artifacts, otherwise a new directory in the
// system's temporary directory that outlives the test, so that the printed
// path can be opened.
func failureDir(t *testing.T) (string, error) {
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir(), nil
	}
	return os.MkdirTemp("", "hmacgate-browser-")
}

// checkHygiene fails the test for a request to another host (everything
// must come from the binary) and for a console error that is not an
// expected refusal: a script error or a Content-Security-Policy violation.
func (tb *tab) checkHygiene() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, u := range tb.requests {
		if !strings.HasPrefix(u, tb.b.ts.base+"/") && u != "about:blank" && !strings.HasPrefix(u, "data:") && !tb.fromOther(u) {
			tb.t.Errorf("the page requested %s: every resource must come from the server", u)
		}
	}
	for _, m := range tb.console {
		// The refusals the scenarios cause on purpose show as failed loads.
		if strings.HasPrefix(m, "Failed to load resource: the server responded with a status of") {
			continue
		}
		tb.t.Errorf("console error: %s", m)
	}
}

// fromOther reports whether u is on one of the tab's other origins.
func (tb *tab) fromOther(u string) bool {
	for _, o := range tb.others {
		if strings.HasPrefix(u, o+"/") {
			return true
		}
	}
	return false
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%v", err)
	}
}

// open navigates to a path of the server and returns the HTTP status.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	res, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(tb.b.ts.base+path))
	if err != nil {
		tb.t.Fatalf("open %s: %v", path, err)
	}
	return res.Status
}

// submit clicks a button that posts a form and waits for the next page;
// it returns the page's HTTP status.
func (tb *tab) submit(sel chromedp.CSS) int64 {
	tb.t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Click(sel, chromedp.NodeVisible))
	if err != nil {
		tb.t.Fatalf("submit %s: %v", sel, err)
	}
	return res.Status
}

// text returns the text of the first element that matches sel, read in
// the page (a protocol query per read would cost tens of milliseconds).
func (tb *tab) text(sel chromedp.CSS) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[*string](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, string(sel))))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	if s == nil {
		tb.t.Fatalf("no element %s on %s", sel, tb.location())
	}
	return strings.TrimSpace(*s)
}

func (tb *tab) eval(js string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (tb *tab) location() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, tb.b.ts.base)
}

// fill sets a form field's value, as typing or pasting would.
func (tb *tab) fill(sel chromedp.CSS, value string) {
	tb.t.Helper()
	v, _ := json.Marshal(value)
	ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		if (!e) return false;
		e.value = %s;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		return true;
	})()`, string(sel), v)))
	if err != nil || !ok {
		tb.t.Fatalf("fill %s: no such field (%v)", sel, err)
	}
}

// expect fails unless the element's text contains want.
func (tb *tab) expect(sel chromedp.CSS, want string) {
	tb.t.Helper()
	if got := tb.text(sel); !strings.Contains(got, want) {
		tb.t.Fatalf("%s: got %q; want it to contain %q", sel, got, want)
	}
}

// count returns how many elements match a CSS selector.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		tb.t.Fatal(err)
	}
	return n
}

// checkPage fails for a form field without a label (accessible name) and
// for a page wider than the window (unreadable on a phone).
func (tb *tab) checkPage() {
	tb.t.Helper()
	unlabeled := tb.eval(`[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label") && !e.textContent.trim())
		.map(e => e.id || e.name || e.outerHTML.slice(0, 60)).join(", ")`)
	if unlabeled != "" {
		tb.t.Errorf("%s: form controls without a label: %s", tb.location(), unlabeled)
	}
	if wide := tb.eval(`document.documentElement.scrollWidth > window.innerWidth + 1 ? String(document.documentElement.scrollWidth) : ""`); wide != "" {
		tb.t.Errorf("%s: the page is %spx wide, wider than the window", tb.location(), wide)
	}
}

// shot saves a full-page screenshot as <name>.png when screenshots are on,
// after checking the page's labels and width.
func (tb *tab) shot(name string, width int64) {
	tb.t.Helper()
	tb.checkPage()
	if tb.b.shots == "" {
		return
	}
	mobile := width < 600
	height, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int64](`Math.ceil(document.documentElement.getBoundingClientRect().height)`))
	if err != nil {
		tb.t.Fatal(err)
	}
	var emulate chromedp.Action[chromedp.Void]
	if mobile {
		emulate = chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulateScale(2))
	} else {
		emulate = chromedp.EmulateViewport(width, height)
	}
	tb.do(emulate)
	buf, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatal(err)
	}
	if mobile {
		tb.asPhone()
	} else {
		tb.do(chromedp.ResetViewport())
	}
	if err := os.WriteFile(filepath.Join(tb.b.shots, name+".png"), buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// phoneShot saves a phone's screenshot of every page the phone scenario
// visits, under HMACGATE_PHONE_SCREENSHOTS=<dir>, to look at them all.
func (tb *tab) phoneShot(name string) {
	tb.t.Helper()
	dir := os.Getenv("HMACGATE_PHONE_SCREENSHOTS")
	if dir == "" {
		return
	}
	height, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int64](`Math.ceil(document.documentElement.getBoundingClientRect().height)`))
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.do(chromedp.EmulateViewport(phoneWidth, height, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	buf, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.asPhone()
	name = strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(name, "-"), "-")
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// TestConsoleInBrowser runs the console's scenarios in order, each in its
// own tab of one browser: sign in, create an environment, make a key and
// see it once, watch report mode count the demo page's calls, enforce and
// see the refusal, manage connections, partner products with a secret and a
// test order to a test partner, the fiddle's diagnosis of a re-serialized
// order, a form post without its CSRF token, and sign out.
// browserScenario is the state the console scenarios share: each builds
// on the ones before it.
type browserScenario struct {
	ts                    *testServer
	b                     *browser
	envID, publicKey, key string
	secretKey             string   // the environment's, as its page showed it
	productID             string   // the product of the partner portal's scenario
	secrets               []string // product secrets the pages showed
}

func TestConsoleInBrowser(t *testing.T) {
	ts := startServer(t, loopback)
	sc := &browserScenario{ts: ts, b: startBrowser(t, ts)}
	start := time.Now()
	defer func() { t.Logf("browser scenarios took %v", time.Since(start).Round(time.Millisecond)) }()
	for _, step := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a visitor without a session is sent to sign in, and signs in with the keyboard", sc.signIn},
		{"create an environment and an integration", sc.createEnvironment},
		{"generate a key and see it once", sc.generateKey},
		{"report mode counts the demo page's calls with and without a digest", sc.reportMode},
		{"enforce refuses the call without a digest, in the page", sc.enforce},
		{"connections: search, pages and delete", sc.connections},
		{"snippets are filled in with the integration", sc.snippets},
		{"a product with a secret, a test order to a test partner, and a regenerated secret", sc.product},
		{"every console page fits a phone 390 px wide", sc.phone},
		{"the fiddle, without signing in, diagnoses a re-serialized orderdata", sc.fiddle},
		{"a form post without its CSRF token is refused", sc.csrf},
		{"delete an environment after confirming", sc.deleteEnvironment},
		{"sign out ends the session", sc.signOut},
	} {
		if !t.Run(step.name, step.run) {
			t.FailNow() // the scenarios build on each other
		}
	}
	logs := ts.logs.String()
	for _, secret := range append([]string{ts.admin, sc.key}, sc.secrets...) {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain a key or secret the console showed: %.8s…", secret)
		}
	}
}

// signIn: a visitor without a session is sent to sign in, and signs in with the keyboard.
func (sc *browserScenario) signIn(t *testing.T) {
	ts, b := sc.ts, sc.b
	tb := b.tab(t, false)
	tb.open("/environments")
	if loc := tb.location(); loc != "/login?next=%2Fenvironments" {
		t.Fatalf("got %s; want the login page", loc)
	}
	tb.shot("login", 1280)
	// The token field has the focus: type the token and press Enter.
	tb.do(chromedp.WaitVisible(chromedp.ID("token")))
	if focused := tb.eval(`document.activeElement.id`); focused != "token" {
		t.Fatalf("focus is on %q; want the token field", focused)
	}
	if _, err := chromedp.RunResponse(tb.ctx, chromedp.KeyEvent(ts.admin+"\r")); err != nil {
		t.Fatal(err)
	}
	if loc := tb.location(); loc != "/environments" {
		t.Fatalf("after login: %s", loc)
	}
	tb.expect("h1", "Environments")
}

// reload reloads the tab's page, as the browser's reload button does, and
// returns the HTTP status.
func (tb *tab) reload() int64 {
	tb.t.Helper()
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Reload())
	if err != nil {
		tb.t.Fatalf("reload %s: %v", tb.location(), err)
	}
	return res.Status
}

// createEnvironment: create an environment, see its secret key once on the
// page the form leads to, reload without a second environment; add an
// integration.
func (sc *browserScenario) createEnvironment(t *testing.T) {
	ts, b := sc.ts, sc.b
	tb := b.tab(t, false)
	tb.open("/environments")
	tb.fill("#env-name", "production")
	if code := tb.submit("form[action='/environments'] button[type=submit]"); code != 200 {
		t.Fatalf("create: %d", code)
	}
	if sc.secretKey = tb.text("#once-value"); !strings.HasPrefix(sc.secretKey, "sk_") {
		t.Fatalf("secret key shown: %q", sc.secretKey)
	}
	tb.expect(".once", "Store it now")
	tb.expect("#notice", `The environment "production" was created`)
	tb.shot("environment-created", 1280)
	loc, _, _ := strings.Cut(tb.location(), "?")
	sc.envID = strings.TrimPrefix(loc, "/environments/")
	if code := tb.reload(); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	if n := tb.count("#once-value"); n != 0 || len(ts.environments()) != 1 {
		t.Fatalf("after a reload: the key shown %d times, %d environments", n, len(ts.environments()))
	}
	tb.expect("#notice", "not shown again")
	sc.publicKey = tb.text("#public-key")
	if !strings.HasPrefix(sc.publicKey, "pk_") {
		t.Fatalf("public key: %q", sc.publicKey)
	}
	tb.open("/environments/" + sc.envID + "/integrations")
	tb.fill("#int-id", "crm")
	tb.fill("#int-name", "CRM")
	if code := tb.submit("form[aria-label='Add an integration'] button"); code != 200 {
		t.Fatalf("add integration: %d", code)
	}
	tb.expect("#notice", `integration "crm" was added`)
	tb.expect("#integrations", "crm")
}

// generateKey: generate a key and see it once.
func (sc *browserScenario) generateKey(t *testing.T) {
	b := sc.b
	tb := b.tab(t, false)
	tb.open("/environments/" + sc.envID)
	tb.expect(".empty", "No key yet")
	if code := tb.submit("#key-submit"); code != 200 {
		t.Fatalf("make key: %d", code)
	}
	sc.key = tb.text("#once-value")
	if !strings.HasPrefix(sc.key, "hgk_") || len(sc.key) != 47 {
		t.Fatalf("key shown: %q", sc.key)
	}
	tb.expect(".once", "shown only once")
	tb.do(chromedp.Click(chromedp.CSS(".once button.copy"), chromedp.NodeVisible))
	got, err := chromedp.Run(tb.ctx, chromedp.Poll[string](`(() => {
		const t = document.querySelector(".once button.copy").textContent;
		return t === "Copy" ? "" : t; })()`, chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || (got != "Copied" && got != "Press Ctrl+C") {
		t.Errorf("copy button after click: %q, %v", got, err)
	}
	tb.shot("key-created", 1280)
	// Shown once: a reload shows it no more, and makes no second key (which
	// would retire the one just copied).
	tb.reload()
	if html := tb.eval(`document.documentElement.outerHTML`); strings.Contains(html, sc.key) {
		t.Fatal("the key is shown again")
	}
	tb.expect("#keys", "current")
	var keys struct{ Keys []json.RawMessage }
	if sc.ts.json("GET", "/v1/hmac/keys", sc.secretKey, "", &keys); len(keys.Keys) != 1 {
		t.Fatalf("%d keys after a reload; want 1", len(keys.Keys))
	}
}

// reportMode: report mode counts the demo page's calls with and without a digest.
func (sc *browserScenario) reportMode(t *testing.T) {
	b := sc.b
	tb := b.tab(t, false)
	tb.open("/environments/" + sc.envID)
	tb.do(chromedp.Click(chromedp.CSS("input[name=mode][value=report]")))
	tb.submit("#mode-submit")
	tb.expect("h1", "from off to report?")
	tb.submit("#confirm")
	tb.expect("#notice", "report mode")
	tb.reload() // repeats nothing: the audit log has one mode change
	if n := strings.Count(tb.text("table.compact"), "hmac.mode.set"); n != 1 {
		t.Fatalf("%d mode changes in the audit log after a reload; want 1", n)
	}

	tb.open("/environments/" + sc.envID + "/demo")
	call := func(button, connection, wantStatus string) string {
		t.Helper()
		tb.fill("#demo-connection", connection)
		tb.do(chromedp.Click(chromedp.ID(button)))
		got, err := chromedp.Run(tb.ctx, chromedp.Poll[string](
			`(() => { const s = document.getElementById("demo-status").dataset.httpStatus; return s || ""; })()`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			t.Fatalf("%s: %v", button, err)
		}
		if got != wantStatus {
			t.Fatalf("%s: status %s; want %s (%s)", button, got, wantStatus, tb.text("#demo-answer"))
		}
		tb.do(chromedp.Evaluate[chromedp.Void](`delete document.getElementById("demo-status").dataset.httpStatus`))
		return tb.text("#demo-status")
	}
	call("demo-with", "user-1", "201")
	if d := tb.text("#demo-digest"); d != digest(t, sc.key, "crm", "user-1") {
		t.Fatalf("the demo sent digest %q; want the one made with the page's key", d)
	}
	call("demo-without", "user-2", "201")
	call("demo-wrong", "user-3", "201")
	tb.expect("#demo-answer", `"connection_id": "user-3"`)

	tb.open("/environments/" + sc.envID)
	tb.expect(".tag.valid", "1 valid")
	tb.expect(".tag.missing", "1 no digest")
	tb.expect(".tag.invalid", "1 wrong digest")
	for _, class := range []string{"valid", "missing", "invalid"} {
		if n := tb.count("figure.chart svg rect." + class); n != 1 {
			t.Errorf("chart bars of %s: %d; want 1", class, n)
		}
	}
	tb.expect("#verdict", "switching to enforce would reject them")
	tb.shot("settings", 1280)
}

// enforce: enforce refuses the call without a digest, in the page.
func (sc *browserScenario) enforce(t *testing.T) {
	ts, b := sc.ts, sc.b
	tb := b.tab(t, false)
	tb.open("/environments/" + sc.envID)
	tb.do(chromedp.Click(chromedp.CSS("input[name=mode][value=enforce]")))
	tb.submit("#mode-submit")
	tb.expect("h1", "from report to enforce?")
	tb.expect("#consequence", "2 of 3 connect calls had no digest (1) or a wrong one (1)")
	tb.shot("confirm-enforce", 1280)
	tb.submit("#confirm")
	tb.expect("#notice", "enforced")

	tb.open("/environments/" + sc.envID + "/demo")
	tb.fill("#demo-connection", "user-4")
	tb.do(chromedp.Click(chromedp.ID("demo-without")))
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`document.getElementById("demo-status").dataset.httpStatus === "401"`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("no refusal shown: %v (%s)", err, tb.text("#demo-status"))
	}
	tb.expect("#demo-status", "refused: missing_hmac")
	tb.expect("#demo-answer", "missing_hmac")
	tb.shot("connect-demo", 1280)
	// The key the page showed once is the one the gate checks.
	if code, r := ts.connect(envCreds{PublicKey: sc.publicKey}, "crm", "user-5", digest(t, sc.key, "crm", "user-5"), ""); code != 201 {
		t.Fatalf("a digest made with the shown key: %d %+v", code, r)
	}
}

// connections: connections: search, pages and delete.
func (sc *browserScenario) connections(t *testing.T) {
	ts, b := sc.ts, sc.b
	for i := range 25 {
		c := fmt.Sprintf("bulk-%02d", i)
		if code, r := ts.connect(envCreds{PublicKey: sc.publicKey}, "crm", c, digest(t, sc.key, "crm", c), ""); code != 201 {
			t.Fatalf("connect %s: %d %+v", c, code, r)
		}
	}
	tb := b.tab(t, false)
	tb.open("/environments/" + sc.envID + "/integrations")
	if n := tb.count("#connections tbody tr"); n != 20 {
		t.Fatalf("first page: %d rows; want 20", n)
	}
	tb.submit("#next-page")
	if n := tb.count("#connections tbody tr"); n != 9 { // 29 connections in all
		t.Fatalf("second page: %d rows; want 9", n)
	}
	tb.fill("#search", "user-2")
	tb.submit("form[role=search] button")
	if n := tb.count("#connections tbody tr"); n != 1 {
		t.Fatalf("search user-2: %d rows", n)
	}
	tb.submit("#connections button.danger-outline")
	tb.expect("h1", `Delete the connection "user-2"`)
	tb.submit("#confirm")
	tb.expect("#notice", `The connection "user-2" of "crm" was deleted`)
	tb.fill("#search", "user-")
	tb.submit("form[role=search] button")
	if n := tb.count("#connections tbody tr"); n != 3 { // user-1, -3 and -5; user-4 was refused
		t.Fatalf("after delete: %d user- rows; want 3", n)
	}
	tb.shot("integrations", 1280)
}

// snippets: snippets are filled in with the integration.
func (sc *browserScenario) snippets(t *testing.T) {
	b := sc.b
	tb := b.tab(t, false)
	tb.open("/environments/" + sc.envID + "/snippets")
	for _, id := range []string{"node", "python", "java", "ruby", "go", "rust", "php", "csharp"} {
		tb.expect(chromedp.CSS("#code-"+id), "crm")
	}
	tb.expect("#code-java", "StandardCharsets.UTF_8")
	tb.expect("#code-frontend", sc.publicKey)
	// The Nango SDK variant: the same public key, host …/nango, and the
	// call for the integration's auth mode (crm takes none: create()).
	tb.expect("#code-nango", "new Nango({ publicKey: '"+sc.publicKey+"', host: '"+sc.ts.base+"/nango' })")
	tb.expect("#code-nango", "nango.create('crm', connectionId, { hmac: digestFromYourBackend })")
	tb.expect("#code-nango-node", "new Nango({ host: '"+sc.ts.base+"/nango', secretKey")
	tb.shot("snippets", 1280)
}

// product: a product with a secret, a test order to a test partner, and a regenerated secret.
func (sc *browserScenario) product(t *testing.T) {
	ts, b := sc.ts, sc.b
	partner := newPartner(t, ts, hmacgate.GenerateKey().Reveal())
	tb := b.tab(t, false)
	tb.open("/environments/" + sc.envID + "/products")
	tb.fill("#p-name", "Fotografering")
	tb.fill("#p-url", partner.URL+"/orders?installationId=inst-1")
	tb.submit("form[action$='/products'] button[type=submit]")
	tb.expect("#notice", "Generate its secret now")
	sc.productID = strings.Split(strings.TrimPrefix(tb.location(), "/environments/"+sc.envID+"/products/"), "/")[0]
	if code := tb.submit("#generate-secret"); code != 200 {
		t.Fatalf("generate secret: %d", code)
	}
	secret := tb.text("#once-value")
	if !strings.HasPrefix(secret, "hgk_") {
		t.Fatalf("secret shown: %q", secret)
	}
	tb.expect("#secrets", "signing")
	partner.setSecrets(ts, secret)
	sc.secrets = append(sc.secrets, secret)

	tb.submit("p.back a")
	tb.fill("#t-inst", "inst-1")
	tb.fill("#t-uname", "Bjørn Ødegård")
	tb.submit("#send-test")
	tb.expect("#result-status", "200")
	tb.expect("#result-body", "welcome Bjørn Ødegård")
	tb.expect("#notice", "delivered")
	tb.expect("table.launches", "200 OK")
	tb.shot("product", 1280)
	// A reload shows the page as it is and sends nothing again.
	tb.reload()
	if tb.count("#test-result") != 0 {
		t.Error("a reload shows the test delivery again")
	}
	partner.mu.Lock()
	if len(partner.orders) != 1 || partner.orders[0].User.Name != "Bjørn Ødegård" {
		t.Errorf("the partner saw %d orders, errors %v", len(partner.orders), partner.errs)
	}
	partner.mu.Unlock()
	sc.launchInNewTab(t, tb, partner)

	// Regenerate: the old secret signs during propagation, with a countdown.
	tb.submit("a.button[href$='/credentials']")
	tb.do(chromedp.SetValue(chromedp.ID("propagation"), "5m"))
	if code := tb.submit("#generate-secret"); code != 200 {
		t.Fatalf("regenerate: %d", code)
	}
	newSecret := tb.text("#once-value")
	if newSecret == secret || !strings.HasPrefix(newSecret, "hgk_") {
		t.Fatalf("regenerated secret: %q", newSecret)
	}
	sc.secrets = append(sc.secrets, newSecret)
	tb.expect("#countdown", "min")
	tb.expect("#secrets", "propagating")
	tb.shot("credentials", 1280)
	tb.open("/environments/" + sc.envID + "/launches")
	tb.expect("table.launches", "Fotografering")
	tb.shot("launches", 1280)
	tb.open("/environments/" + sc.envID + "/products")
	tb.shot("products", 1280)
}

// launchInNewTab: "Launch a test order" opens the launch link in a new tab,
// which posts the signed order to the partner, as a platform's launch does.
func (sc *browserScenario) launchInNewTab(t *testing.T, tb *tab, p *partner) {
	newTab := chromedp.WaitNewTarget(tb.ctx, func(info *target.Info) bool { return info.Type == "page" })
	tb.fill("#t-inst", "inst-1")
	tb.fill("#t-uname", "Kari Nordmann")
	tb.do(chromedp.Click(chromedp.ID("launch-order"), chromedp.NodeVisible))
	var id target.ID
	select {
	case id = <-newTab:
	case <-time.After(20 * time.Second):
		t.Fatal("no new tab reached the partner")
	}
	ctx, cancel := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(id))
	defer cancel()
	body, err := chromedp.Run(ctx, chromedp.Poll[string](`document.body ? document.body.innerText : ""`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !strings.Contains(body, "welcome Kari Nordmann") {
		t.Fatalf("the launched tab shows %q (%v)", body, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.orders) != 2 || p.orders[1].User.Name != "Kari Nordmann" {
		t.Fatalf("the partner saw %d orders; want the launched one second (errors %v)", len(p.orders), p.errs)
	}
}

// phoneWidth is the width of the phone the console must fit.
const phoneWidth = 390

// asPhone makes the tab a phone phoneWidth px wide.
func (tb *tab) asPhone() {
	tb.t.Helper()
	tb.do(chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
}

// checkPhoneWidth fails unless the page is as narrow as the phone, naming
// the elements that stick out.
func (tb *tab) checkPhoneWidth() {
	tb.t.Helper()
	// A phone's browser widens the layout to fit a page that is too wide,
	// so the page is measured against the phone's width, not the window's.
	wide := tb.eval(`(() => {
		const w = ` + strconv.Itoa(phoneWidth) + `, doc = document.documentElement.scrollWidth;
		if (doc <= w) return "";
		const out = [];
		for (const e of document.querySelectorAll("body *")) {
			const r = e.getBoundingClientRect(), p = e.parentElement.getBoundingClientRect();
			if (r.width > 0 && r.right > w + 1 && p.right <= w + 1) {
				out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).join(".") : "") + " to " + Math.round(r.right) + "px");
			}
		}
		return "the page is " + doc + "px wide on a " + w + "px phone: " + out.slice(0, 6).join(", ");
	})()`)
	if wide != "" {
		tb.t.Errorf("%s: %s", tb.location(), wide)
	}
}

// phone: every console page fits a phone 390 px wide, with the tables,
// keys and long names of a real environment. The pages come from the route
// table, so a new page is checked without a change here; the public ones
// in a tab without a session, and so are the end users' pages.
func (sc *browserScenario) phone(t *testing.T) {
	ts := sc.ts
	tb := sc.b.tab(t, false)
	tb.asPhone()
	query := map[string]string{"/mode": "?mode=report", "/connections/delete": "?integration=crm&connection=user-1"}
	var public *tab // one tab without a session for the public pages
	checked := 0
	for _, rt := range ts.d.Server().Routes() {
		if !rt.ConsolePage || rt.Method != "GET" {
			continue
		}
		path := consolePath(rt.Pattern, sc.envID, sc.productID)
		for suffix, q := range query {
			if strings.HasSuffix(rt.Pattern, suffix) {
				path += q
			}
		}
		pt := tb
		if rt.Access == "public" {
			if public == nil {
				public = sc.b.tab(t, true)
				public.asPhone()
			}
			pt = public
		}
		if code := pt.open(path); code != 200 {
			t.Errorf("%s: %d", path, code)
		}
		pt.checkPhoneWidth()
		pt.phoneShot(rt.Pattern)
		checked++
	}
	if checked < 12 {
		t.Fatalf("only %d pages", checked)
	}
	// A page that shows a key once, under a long name.
	tb.open("/environments")
	tb.fill("#env-name", "A phone's environment with a name long enough to wrap twice")
	tb.submit("form[action='/environments'] button[type=submit]")
	tb.expect(".once", "Store it now")
	tb.checkPhoneWidth()
	tb.phoneShot("once")
	tb.shot("settings-phone", phoneWidth)
	tb.submit("section.danger-zone button")
	tb.submit("#confirm")
	// Pages of refusals, and the end users' pages.
	for _, path := range []string{"/no/such/page", "/launch/00000000-0000-4000-8000-000000000000"} {
		public.open(path)
		public.checkPhoneWidth()
		public.phoneShot(path)
	}
}

// fiddle: the fiddle, without signing in, diagnoses a re-serialized orderdata.
func (sc *browserScenario) fiddle(t *testing.T) {
	ts, b := sc.ts, sc.b
	tb := b.tab(t, true)
	secret := hmacgate.GenerateKey()
	od, err := order.Marshal(order.OrderData{Timestamp: ts.clock.Now().UnixMilli(), InstallationID: "inst-1",
		User: order.User{ID: "u-1", Email: "kari@example.no", Name: "Kari Nordmann"}, CorrelationID: "c-1"})
	if err != nil {
		t.Fatal(err)
	}
	sig := order.Sign(secret, od)
	// A framework that parsed orderdata and wrote it back pretty-printed.
	var reserialized bytes.Buffer
	if err := json.Indent(&reserialized, od, "", "  "); err != nil {
		t.Fatal(err)
	}

	tb.open("/fiddle")
	if n := tb.count("form[action='/logout']"); n != 0 {
		t.Fatal("the private tab is signed in")
	}
	tb.fill("#secret", secret.Reveal())
	tb.fill("#orderdata", reserialized.String())
	tb.fill("#hmacsignature", sig)
	if code := tb.submit("#fiddle-check"); code != 200 {
		t.Fatalf("fiddle: %d", code)
	}
	tb.expect("#fiddle-verdict", "signature_mismatch")
	tb.expect("#fiddle-findings", "re-serialized")
	tb.shot("fiddle", 1280)
	if html := tb.eval(`document.documentElement.outerHTML`); strings.Contains(html, secret.Reveal()) {
		t.Fatal("the result page shows the secret again")
	}
	// The same order as sent verifies; the secret is pasted again.
	tb.fill("#secret", secret.Reveal())
	tb.fill("#orderdata", string(od))
	tb.submit("#fiddle-check")
	tb.expect("#fiddle-verdict", "Valid")
	tb.expect("#fiddle-result", "Kari Nordmann")
}

// csrf: a form post without its CSRF token is refused.
func (sc *browserScenario) csrf(t *testing.T) {
	b := sc.b
	tb := b.tab(t, false)
	tb.open("/environments/" + sc.envID)
	// A form like the mode form, but without the token, posted by the
	// signed-in browser.
	res, err := chromedp.RunResponse(tb.ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const f = document.createElement("form");
		f.method = "post"; f.action = "/environments/%s/mode";
		for (const [k, v] of [["mode", "off"], ["confirm", "yes"]]) {
			const i = document.createElement("input"); i.type = "hidden"; i.name = k; i.value = v; f.appendChild(i);
		}
		document.body.appendChild(f); f.submit();
	})()`, sc.envID)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 403 {
		t.Fatalf("got %d; want 403", res.Status)
	}
	tb.expect("main", "csrf_failed")
	tb.shot("csrf-refused", 1280)
	tb.open("/environments/" + sc.envID)
	tb.expect(".crumbs .badge", "enforce")
}

// deleteEnvironment: delete an environment after confirming.
func (sc *browserScenario) deleteEnvironment(t *testing.T) {
	ts, b := sc.ts, sc.b
	tb := b.tab(t, false)
	tb.open("/environments")
	tb.fill("#env-name", "staging")
	tb.submit("form[action='/environments'] button[type=submit]")
	tb.submit("section.danger-zone button")
	tb.expect("h1", `Delete the environment "staging"?`)
	tb.shot("confirm-delete", 1280)
	tb.submit("#confirm")
	tb.expect("#notice", `The environment "staging" was deleted`)
	if n := len(ts.environments()); n != 1 {
		t.Fatalf("%d environments after delete; want 1", n)
	}
	tb.shot("environments", 1280)
}

// signOut: sign out ends the session.
func (sc *browserScenario) signOut(t *testing.T) {
	b := sc.b
	tb := b.tab(t, false)
	tb.open("/environments")
	tb.submit("form.logout button")
	if loc := tb.location(); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("after sign out: %s", loc)
	}
	tb.open("/environments/" + sc.envID)
	if loc := tb.location(); !strings.HasPrefix(loc, "/login") {
		t.Fatalf("after sign out the settings page is at %s; want the login page", loc)
	}
	if code := tb.open("/no/such/page"); code != 404 {
		t.Fatalf("unknown page: %d", code)
	}
	tb.expect("h1", "404")
}
