package console

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hmacgate/hmacgate/platform"
)

// TestSnippetsMatchTheREADME: the console's digest snippets compute the
// digest with the README's lines, which testdata/vectors.json checks
// against the other languages' HMAC libraries.
func TestSnippetsMatchTheREADME(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	section := readme[strings.Index(readme, "## The connect digest in other languages"):]
	block := regexp.MustCompile("(?s)\\*\\*([^*]+)\\*\\*[^\n]*\n```[a-z]*\n(.*?)```")
	ids := map[string]string{"Node": "node", "Python": "python", "Java": "java", "Ruby": "ruby", "Go": "go",
		"Rust": "rust", "PHP": "php", "C#": "csharp"}
	snippets := map[string]string{}
	for _, s := range digestSnippets("github") {
		snippets[s.ID] = s.Code
	}
	found := 0
	for _, m := range block.FindAllStringSubmatch(section, -1) {
		id, ok := ids[m[1]]
		if !ok {
			continue
		}
		found++
		for _, line := range strings.Split(m[2], "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.Contains(snippets[id], line) {
				t.Errorf("%s snippet lacks the README's line %q", m[1], line)
			}
		}
		if !strings.Contains(snippets[id], `"github"`) && !strings.Contains(snippets[id], `'github'`) {
			t.Errorf("%s snippet is not filled in with the integration ID", m[1])
		}
	}
	if found != len(ids) {
		t.Fatalf("found %d of the README's %d snippets", found, len(ids))
	}
	if len(snippets) != len(ids) {
		t.Fatalf("the console has %d snippets; want %d", len(snippets), len(ids))
	}
}

func TestReportChart(t *testing.T) {
	start := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	rep := &platform.Report{}
	for i := range 24 {
		rep.Hours = append(rep.Hours, platform.ReportHour{Hour: start.Add(time.Duration(i) * time.Hour)})
	}
	rep.Hours[23].Valid, rep.Hours[23].Missing, rep.Hours[23].Invalid = 30, 10, 1
	c := reportChart(rep)
	if len(c.Bars) != 24 || c.Empty {
		t.Fatalf("%d bars, empty %v", len(c.Bars), c.Empty)
	}
	segs := c.Bars[23].Segs
	if len(segs) != 3 || segs[0].Class != "valid" || segs[2].Class != "invalid" {
		t.Fatalf("segments: %+v", segs)
	}
	// Scale 50: 30 valid take 60% of the plot's height; 1 invalid stays visible.
	if h := segs[0].H; h != (plotBot-plotTop)*30/50 {
		t.Errorf("valid height %d", h)
	}
	if segs[2].H < 2 {
		t.Errorf("a single invalid call is invisible: %d", segs[2].H)
	}
	if top := segs[2].Y; top < plotTop {
		t.Errorf("the bar leaves the plot: y %d", top)
	}
	for _, tc := range []struct{ in, want int64 }{{0, 4}, {3, 4}, {5, 5}, {6, 10}, {11, 20}, {41, 50}, {51, 100}, {1001, 2000}} {
		if got := niceMax(tc.in); got != tc.want {
			t.Errorf("niceMax(%d) = %d; want %d", tc.in, got, tc.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/environments": "/environments", "/environments?x=1": "/environments?x=1",
		"": "/", "https://evil.example/": "/", "//evil.example/": "/", "/\\evil.example": "/", "/a\r\nb": "/",
		"/\t/evil.example": "/", "/\x00x": "/", "/x\x7f": "/", "/a\\b": "/", "/\n/evil.example": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestNangoSnippets: the Nango variant points the SDKs at …/nango and makes
// the frontend call of the integration's auth mode, with the credential
// names @nangohq/frontend sends.
func TestNangoSnippets(t *testing.T) {
	for _, tc := range []struct {
		mode       platform.AuthMode
		call, cred string
	}{
		{platform.AuthAPIKey, "nango.auth('github', connectionId", "credentials: { apiKey:"},
		{platform.AuthBasic, "nango.auth('github', connectionId", "credentials: { username, password }"},
		{platform.AuthNone, "nango.create('github', connectionId, { hmac: digestFromYourBackend })", ""},
	} {
		s := nangoSnippetsFor("https://gate.example", "pk_1", "github", tc.mode)
		for _, want := range []string{"new Nango({ publicKey: 'pk_1', host: 'https://gate.example/nango' })", tc.call, tc.cred} {
			if !strings.Contains(s.Frontend, want) {
				t.Errorf("%s frontend snippet lacks %q:\n%s", tc.mode, want, s.Frontend)
			}
		}
		if !strings.Contains(s.Backend, "host: 'https://gate.example/nango'") || !strings.Contains(s.Backend, "getConnection('github', connectionId)") {
			t.Errorf("%s backend snippet:\n%s", tc.mode, s.Backend)
		}
	}
}
