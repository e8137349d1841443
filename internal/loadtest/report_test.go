package loadtest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func result(key string, rate float64) Result {
	return Result{Key: key, Name: "scenario " + key, Requests: uint64(rate * 3), Rate: rate,
		P50: 250 * time.Microsecond, P99: 2 * time.Millisecond, Codes: map[string]int{"200": int(rate * 3)}}
}

func sampleReport() Report {
	date := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	run := func(scenario string, rs ...Result) Run {
		return Run{Scenario: scenario, Command: "go run ./cmd/loadtest -scenario " + scenario, Settings: "8 connections, 3s per attack",
			Date: date, Go: "go1.26.8", GOMAXPROCS: 2, CPU: "Test CPU", Results: rs}
	}
	partner := func(a, b, c float64) Run {
		r := run("partner", result("a", a), result("b", b), result("c", c))
		r.Results[1].RoundRates = []float64{b - 100, b + 100}
		r.Results[1].CPUPerRequest = 77800 * time.Nanosecond
		return r
	}
	return Report{
		Connect: []Run{
			run("connect", result("noop", 20000), result("refused-missing", 17600), result("refused-wrong", 18000), result("accepted", 5000)),
			run("connect", result("noop", 20000), result("refused-missing", 20600), result("refused-wrong", 15000), result("accepted", 4800)),
		},
		Partner:  []Run{partner(25000, 23250, 9000), partner(25000, 23500, 9100)},
		Scaleout: []Run{run("scaleout", result("refused-single", 18000), result("refused-pair", 19000), result("accepted-single", 5000), result("accepted-pair", 2000), result("proxy-memory", 10000), result("proxy-redis", 6600))},
		Commit:   "abc1234",
		Load:     "1.0 1.1 1.2",
		Command:  "scripts/loadtest.sh",
	}
}

func TestMarkdown(t *testing.T) {
	md := sampleReport().Markdown()
	words := strings.Join(strings.Fields(md), " ")
	for _, want := range []string{
		"| machine | Test CPU, GOMAXPROCS=2 |", "| date | 2026-11-30 06:00 UTC |", "| hmacgate | abc1234 |",
		"| load average | 1.0 1.1 1.2 |", "| reproduce | `scripts/loadtest.sh` |",
		"```sh go run ./cmd/loadtest -scenario connect ```",
		"| scenario refused-missing | 52800 | 17600 | 250µs | 2ms | 200×52800 |",
		// 17600/20000 = 0.88, 20600/20000 = 1.03: both meet ≥ 0.8.
		"| refused: no digest | 0.88, 1.03 | ≥ 0.8× **PASS** in each of 2 runs |",
		// 15000/20000 = 0.75 misses.
		"| refused: wrong digest | 0.90, 0.75 | ≥ 0.8× **MISS** in 1 of 2 runs |",
		"| accepted: new connection | 0.25, 0.24 | |",
		"| scenario b | 69750 | 23250 | 23150, 23350 | 250µs | 2ms | 77.8 µs |",
		"| (b) behind the middleware | 0.93, 0.94 | ≥ 0.9× **PASS** in each of 2 runs |",
		"| (c) behind `hmacgate proxy` | 0.36, 0.36 | |",
		"| connect refused, two instances ÷ one | 1.06 |", "| connect accepted, PostgreSQL ÷ SQLite | 0.40 |",
		"| proxy verification, claims in Redis ÷ in memory | 0.66 |",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("region lacks %q:\n%s", want, md)
		}
	}
	if !strings.HasPrefix(md, BeginMarker+"\n") || !strings.HasSuffix(md, EndMarker+"\n") {
		t.Errorf("region is not between its markers:\n%s", md)
	}
	for _, l := range strings.Split(md, "\n") {
		if len(l) > 100 && !strings.HasPrefix(l, "|") && !strings.HasPrefix(l, "go run") && !strings.HasPrefix(l, "<!--") {
			t.Errorf("prose line longer than 100 bytes: %q", l)
		}
	}

	none := Report{Partner: sampleReport().Partner}.Markdown()
	for _, want := range []string{"Not run this time (`scripts/loadtest.sh -scenarios connect`)", "Not run this time (`scripts/loadtest.sh -scenarios scaleout`; it needs PostgreSQL and Redis)"} {
		if !strings.Contains(none, want) {
			t.Errorf("region without connect and scaleout lacks %q", want)
		}
	}
}

func TestSummary(t *testing.T) {
	s := sampleReport().Summary("docs/benchmarks.md")
	words := strings.Join(strings.Fields(s), " ")
	want := "Under load on loopback ([docs/benchmarks.md](docs/benchmarks.md), 2026-11-30, hmacgate abc1234, rerun with " +
		"`scripts/loadtest.sh`): the order middleware keeps 0.93–0.94× the requests per second of a bare handler, " +
		"refused connect calls 0.75–1.03× those of a no-op route, and two proxies sharing replay claims in Redis run at " +
		"0.66× the rate of one keeping them in memory."
	if !strings.Contains(words, want) {
		t.Errorf("summary:\n%s\nwant\n%s", s, want)
	}
	if !strings.HasPrefix(s, SummaryBegin+"\n") || !strings.HasSuffix(s, SummaryEnd+"\n") {
		t.Errorf("summary is not between its markers:\n%s", s)
	}
	if strings.Contains(s, "busy") {
		t.Errorf("summary of a run without load figures says the machine was busy:\n%s", s)
	}
	busy := sampleReport()
	busy.Load1 = []float64{1.5, 12.3}
	if w := strings.Join(strings.Fields(busy.Summary("b.md")), " "); !strings.Contains(w, "(load average up to 12.3 on 2 cores)") {
		t.Errorf("summary of a busy run:\n%s", w)
	}
	busy.Load1 = []float64{1.5, 1.9}
	if w := busy.Summary("b.md"); strings.Contains(w, "busy") {
		t.Errorf("summary of a quiet run says busy:\n%s", w)
	}
	one := Report{Connect: sampleReport().Connect[:1]}.Summary("b.md")
	if w := strings.Join(strings.Fields(one), " "); !strings.Contains(w, "): refused connect calls 0.88–0.90× those of a no-op route.") {
		t.Errorf("summary of connect alone:\n%s", one)
	}
	if empty := (Report{}).Summary("b.md"); !strings.Contains(empty, "No load test has run.") {
		t.Errorf("empty summary:\n%s", empty)
	}
}

func TestSpan(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want string
	}{{nil, "—"}, {[]float64{0.921}, "0.92×"}, {[]float64{0.94, 0.921, 0.93}, "0.92–0.94×"}, {[]float64{0.921, 0.919}, "0.92×"}} {
		if got := span(c.in); got != c.want {
			t.Errorf("span(%v) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestSplice(t *testing.T) {
	region := BeginMarker + "\nnew\n" + EndMarker + "\n"
	doc := "# B\n\n" + BeginMarker + "\nold\n" + EndMarker + "\n\n## After\n"
	got, err := Splice(doc, BeginMarker, EndMarker, region, false)
	if want := "# B\n\n" + region + "\n## After\n"; err != nil || got != want {
		t.Errorf("replace: %q, %v; want %q", got, err, want)
	}
	if got, err := Splice("", BeginMarker, EndMarker, region, false); err != nil || got != region {
		t.Errorf("new: %q, %v", got, err)
	}
	if got, err := Splice("# B\n", BeginMarker, EndMarker, region, true); err != nil || got != "# B\n\n"+region {
		t.Errorf("append: %q, %v", got, err)
	}
	for _, bad := range []string{"# B\n", BeginMarker, EndMarker + BeginMarker, region + region} {
		if _, err := Splice(bad, BeginMarker, EndMarker, region, false); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestCommandLine(t *testing.T) {
	got := CommandLine("go run ./cmd/loadtest", []string{"-scenario", "connect", "-json", "/tmp/x.json", "-json=/tmp/y", "-route", "/orders/{id}"})
	if want := "go run ./cmd/loadtest -scenario connect -route '/orders/{id}'"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestRunRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	r := sampleReport().Partner[0]
	if err := r.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRun(path)
	if err != nil {
		t.Fatal(err)
	}
	b, ok := back.Get("b")
	if !ok || b.Rate != 23250 || b.CPUPerRequest != 77800*time.Nanosecond || len(b.RoundRates) != 2 || !back.Date.Equal(r.Date) {
		t.Errorf("round trip: %+v", back)
	}
	if err := (Run{Scenario: "connect"}).WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRun(path); err == nil {
		t.Error("a run without results was read")
	}
}
