package loadtest

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Run is one run of a load-test program, as its -json flag writes it and
// scripts/loadtest.sh reads it.
type Run struct {
	Scenario   string    `json:"scenario"` // "connect", "partner" or "scaleout"
	Command    string    `json:"command"`  // how to run it again
	Settings   string    `json:"settings"` // the bounds of the run, in words
	Date       time.Time `json:"date"`
	Go         string    `json:"go"`
	GOMAXPROCS int       `json:"gomaxprocs"`
	CPU        string    `json:"cpu"`
	Results    []Result  `json:"results"`
}

// NewRun describes a run of this process that measured results. command is
// how to run it again (the program's own flags, without -json).
func NewRun(scenario, command, settings string, results []Result) Run {
	return Run{Scenario: scenario, Command: command, Settings: settings, Date: time.Now().UTC(),
		Go: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: CPUModel(), Results: results}
}

// WriteFile writes r as JSON to path.
func (r Run) WriteFile(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ReadRun reads a run written by [Run.WriteFile].
func ReadRun(path string) (Run, error) {
	var r Run
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Results) == 0 {
		return r, fmt.Errorf("%s: no results", path)
	}
	return r, nil
}

// Get returns the result with key.
func (r Run) Get(key string) (Result, bool) {
	for _, x := range r.Results {
		if x.Key == key {
			return x, true
		}
	}
	return Result{}, false
}

// Ratio returns the req/s of key a divided by that of key b.
func (r Run) Ratio(a, b string) (float64, bool) {
	x, ok1 := r.Get(a)
	y, ok2 := r.Get(b)
	if !ok1 || !ok2 || y.Rate == 0 {
		return 0, false
	}
	return x.Rate / y.Rate, true
}

// CommandLine renders os.Args as a command to run again: prog, then the
// arguments, without -json and its value.
func CommandLine(prog string, args []string) string {
	out := []string{prog}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-json" || a == "--json":
			i++
			continue
		case strings.HasPrefix(a, "-json=") || strings.HasPrefix(a, "--json="):
			continue
		}
		if strings.ContainsAny(a, " '\"$*?{}") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out = append(out, a)
	}
	return strings.Join(out, " ")
}

// CPUModel is the model name in /proc/cpuinfo, or GOARCH.
func CPUModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// Markers delimit the generated regions: BeginMarker/EndMarker in
// docs/benchmarks.md, SummaryBegin/SummaryEnd in the README.
const (
	BeginMarker  = "<!-- loadtest:begin -->"
	EndMarker    = "<!-- loadtest:end -->"
	SummaryBegin = "<!-- loadtest-summary:begin -->"
	SummaryEnd   = "<!-- loadtest-summary:end -->"
)

// Report is what one run of scripts/loadtest.sh measured: each scenario
// run one or more times in a row.
type Report struct {
	Connect, Partner, Scaleout []Run
	Commit                     string    // hmacgate's commit
	Load                       string    // load averages during the whole run, as text
	Load1                      []float64 // the 1-minute load averages measured (at the start and the end)
	Command                    string    // how to run the script again
}

// Targets of the issues that the load tests measure.
const (
	TargetRefused    = 0.8 // refused connect calls ÷ the no-op route, req/s (issue 4)
	TargetMiddleware = 0.9 // handler behind the middleware ÷ the bare handler, req/s (issue 3)
)

// ratios returns key a ÷ key b of each run that has both.
func ratios(runs []Run, a, b string) []float64 {
	var out []float64
	for _, r := range runs {
		if x, ok := r.Ratio(a, b); ok {
			out = append(out, x)
		}
	}
	return out
}

// span formats ratios as "0.92×" or "0.92–0.94×" (rounded as shown).
func span(xs []float64) string {
	if len(xs) == 0 {
		return "—"
	}
	lo, hi := fmt.Sprintf("%.2f", slices.Min(xs)), fmt.Sprintf("%.2f", slices.Max(xs))
	if lo == hi {
		return lo + "×"
	}
	return lo + "–" + hi + "×"
}

func list(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, ", ")
}

// verdict says whether every ratio in xs meets min (rounded as shown).
func verdict(xs []float64, min float64) string {
	if len(xs) == 0 {
		return "not measured"
	}
	n := 0
	for _, x := range xs {
		if math.Round(x*100)/100 >= min {
			n++
		}
	}
	if n == len(xs) {
		if len(xs) == 1 {
			return "**PASS**"
		}
		return fmt.Sprintf("**PASS** in each of %d runs", len(xs))
	}
	return fmt.Sprintf("**MISS** in %d of %d runs", len(xs)-n, len(xs))
}

func runs(n int) string {
	if n == 1 {
		return "one run"
	}
	return fmt.Sprintf("%d runs in a row", n)
}

// Markdown renders the region of docs/benchmarks.md, markers included.
func (rep Report) Markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("%s\n<!-- Generated by scripts/loadtest.sh: do not edit between the markers, rerun the script. -->\n\n", BeginMarker)
	w("## Under load\n\n")
	w("Bounded load on loopback only: every server and the load generator (vegeta as a library) run in one\n")
	w("process on this machine and share its cores, so these are ratios of one run more than absolute\n")
	w("capacity. Each scenario's table is its first run; the ratios list every run.\n\n")
	w("| | |\n| --- | --- |\n")
	if first, ok := rep.first(); ok {
		w("| machine | %s, GOMAXPROCS=%d |\n", first.CPU, first.GOMAXPROCS)
		w("| Go | %s |\n", first.Go)
		w("| date | %s |\n", first.Date.Format("2006-01-02 15:04 UTC"))
	}
	if rep.Commit != "" {
		w("| hmacgate | %s |\n", rep.Commit)
	}
	if rep.Load != "" {
		w("| load average | %s |\n", rep.Load)
	}
	if rep.Command != "" {
		w("| reproduce | `%s` |\n", rep.Command)
	}
	w("\n")
	rep.connect(w)
	rep.partner(w)
	rep.scaleout(w)
	w("%s\n", EndMarker)
	return b.String()
}

func (rep Report) first() (Run, bool) {
	for _, rs := range [][]Run{rep.Connect, rep.Partner, rep.Scaleout} {
		if len(rs) > 0 {
			return rs[0], true
		}
	}
	return Run{}, false
}

type writer func(format string, args ...any)

func table(w writer, r Run) {
	w("%s\n", Header)
	for _, x := range r.Results {
		w("%s\n", x)
	}
	w("\n")
}

func (rep Report) connect(w writer) {
	w("### Connect gate (issue 4)\n\n")
	if len(rep.Connect) == 0 {
		w("Not run this time (`scripts/loadtest.sh -scenarios connect`).\n\n")
		return
	}
	r := rep.Connect[0]
	w("%s\n", wrap("`hmacgate serve` in-process on 127.0.0.1 (SQLite, one environment in `enforce` mode); "+r.Settings+
		". The no-op baseline is `GET /healthz` on the same server, through the same route wrapper (metrics, logging). "+
		"Refusals read only the in-memory copy of the environment (`TestRejectPathDoesNotTouchTheDatabase` in `server/` "+
		"proves they make no database call); each accepted call writes a row to SQLite.", 100))
	w("```sh\n%s\n```\n\n", r.Command)
	table(w, r)
	missing, wrong := ratios(rep.Connect, "refused-missing", "noop"), ratios(rep.Connect, "refused-wrong", "noop")
	w("Requests per second ÷ the no-op handler's, %s:\n\n", runs(len(rep.Connect)))
	w("| | per run | target |\n| --- | --- | --- |\n")
	w("| refused: no digest | %s | ≥ %.1f× %s |\n", list(missing), TargetRefused, verdict(missing, TargetRefused))
	w("| refused: wrong digest | %s | ≥ %.1f× %s |\n", list(wrong), TargetRefused, verdict(wrong, TargetRefused))
	w("| accepted: new connection | %s | |\n\n", list(ratios(rep.Connect, "accepted", "noop")))
}

func (rep Report) partner(w writer) {
	w("### Partner side: middleware and proxy (issue 3)\n\n")
	if len(rep.Partner) == 0 {
		w("Not run this time (`scripts/loadtest.sh -scenarios partner`).\n\n")
		return
	}
	r := rep.Partner[0]
	w("Three servers on 127.0.0.1, driven by [`internal/loadtest/partner`](../internal/loadtest/partner):\n\n")
	w("- **(a)** a bare handler (it reads the form body, as an order endpoint does, and answers\n")
	w("  `order received`);\n")
	w("- **(b)** the same handler behind `order.Verifier.Middleware`, mounted as a partner would:\n")
	w("  `installationId` bound to the URL, the default in-memory replay guard, outcomes counted by\n")
	w("  `orderprom`;\n")
	w("- **(c)** the same handler as the upstream of `hmacgate proxy` (the `proxy` package, with\n")
	w("  `--route '/orders/{installationId}'`, logs at info level formatted and discarded, metrics on).\n\n")
	w("%s\n", wrap("Every request carries a fresh signed order (about 600 bytes of `orderdata` with all eleven fields), "+
		"so the replay guards accept each order exactly once; any answer but 200 fails the run. After one uncounted "+
		"warm-up attack each, the scenarios take turns, round after round, so that drift in the machine's load "+
		"touches all three alike. This run: "+r.Settings+".", 100))
	w("```sh\n%s\n```\n\n", r.Command)
	w("| scenario | requests | req/s | req/s per round | p50 | p99 | CPU per request (client + servers) |\n")
	w("| --- | ---: | ---: | --- | ---: | ---: | ---: |\n")
	for _, x := range r.Results {
		rounds := make([]string, len(x.RoundRates))
		for i, v := range x.RoundRates {
			rounds[i] = fmt.Sprintf("%.0f", v)
		}
		w("| %s | %d | %.0f | %s | %v | %v | %.1f µs |\n", x.Name, x.Requests, x.Rate, strings.Join(rounds, ", "),
			x.P50.Round(time.Microsecond), x.P99.Round(time.Microsecond), float64(x.CPUPerRequest)/float64(time.Microsecond))
	}
	w("\n")
	ba, ca := ratios(rep.Partner, "b", "a"), ratios(rep.Partner, "c", "a")
	w("Requests per second ÷ the bare handler's, %s:\n\n", runs(len(rep.Partner)))
	w("| | per run | target |\n| --- | --- | --- |\n")
	w("| (b) behind the middleware | %s | ≥ %.1f× %s |\n", list(ba), TargetMiddleware, verdict(ba, TargetMiddleware))
	w("| (c) behind `hmacgate proxy` | %s | |\n\n", list(ca))
	w("The proxy adds a second HTTP hop, so the upstream's work is done twice by the same cores.\n\n")
}

func (rep Report) scaleout(w writer) {
	w("### Several instances (issue 7)\n\n")
	if len(rep.Scaleout) == 0 {
		w("Not run this time (`scripts/loadtest.sh -scenarios scaleout`; it needs PostgreSQL and Redis).\n\n")
		return
	}
	r := rep.Scaleout[0]
	w("%s\n", wrap("One `hmacgate serve` with its state in SQLite and claims in memory, next to two instances sharing "+
		"PostgreSQL and Redis (requests spread over both, round robin, as a load balancer would); then one "+
		"`hmacgate proxy` with in-memory replay claims next to two proxies sharing Redis claims. Every accepted "+
		"connect call writes a new row; every proxied order is fresh and claimed once. "+capitalize(r.Settings)+
		". One machine cannot show what two instances add in capacity; it shows what sharing state costs.", 100))
	w("```sh\n%s\n```\n\n", r.Command)
	table(w, r)
	w("| | per run |\n| --- | --- |\n")
	w("| connect refused, two instances ÷ one | %s |\n", list(ratios(rep.Scaleout, "refused-pair", "refused-single")))
	w("| connect accepted, PostgreSQL ÷ SQLite | %s |\n", list(ratios(rep.Scaleout, "accepted-pair", "accepted-single")))
	w("| proxy verification, claims in Redis ÷ in memory | %s |\n\n", list(ratios(rep.Scaleout, "proxy-redis", "proxy-memory")))
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Summary renders the README's sentence on the load tests, markers
// included. docLink is docs/benchmarks.md relative to the README.
func (rep Report) Summary(docLink string) string {
	var parts []string
	if ba := ratios(rep.Partner, "b", "a"); len(ba) > 0 {
		parts = append(parts, fmt.Sprintf("the order middleware keeps %s the requests per second of a bare handler", span(ba)))
	}
	refused := append(ratios(rep.Connect, "refused-missing", "noop"), ratios(rep.Connect, "refused-wrong", "noop")...)
	if len(refused) > 0 {
		parts = append(parts, fmt.Sprintf("refused connect calls %s those of a no-op route", span(refused)))
	}
	if x := ratios(rep.Scaleout, "proxy-redis", "proxy-memory"); len(x) > 0 {
		parts = append(parts, fmt.Sprintf("two proxies sharing replay claims in Redis run at %s the rate of one keeping them in memory", span(x)))
	}
	text := "No load test has run."
	if len(parts) > 0 {
		if n := len(parts); n > 1 {
			parts[n-1] = "and " + parts[n-1]
		}
		var how []string
		if first, ok := rep.first(); ok {
			how = append(how, first.Date.Format("2006-01-02"))
		}
		if rep.Commit != "" {
			how = append(how, "hmacgate "+rep.Commit)
		}
		how = append(how, "rerun with `scripts/loadtest.sh`")
		text = fmt.Sprintf("Under load on loopback ([%s](%s), %s): %s.", docLink, docLink, strings.Join(how, ", "), strings.Join(parts, ", "))
		if first, ok := rep.first(); ok && len(rep.Load1) > 0 && slices.Max(rep.Load1) > float64(first.GOMAXPROCS) {
			text += fmt.Sprintf(" Other work kept the machine busy during the run (load average up to %.1f on %d cores), "+
				"so these ratios are rougher than on a quiet machine.", slices.Max(rep.Load1), first.GOMAXPROCS)
		}
	}
	var b strings.Builder
	b.WriteString(SummaryBegin + "\n")
	b.WriteString("<!-- Generated by scripts/loadtest.sh from the run that wrote " + docLink + ": do not edit between the markers, rerun the script. -->\n")
	b.WriteString(wrap(text, 100))
	b.WriteString(SummaryEnd + "\n")
	return b.String()
}

// wrap breaks text into lines of at most width bytes, at spaces, each
// ending in "\n".
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		switch {
		case n == 0:
		case n+1+len(w) > width:
			b.WriteString("\n")
			n = 0
		default:
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	if n > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// Splice replaces the region of doc from begin to end (markers included)
// by region. When doc has neither marker, an empty doc becomes the region
// alone and appendIfMissing appends it to any other; otherwise it is an
// error, as are markers that are not each there once, begin first.
func Splice(doc, begin, end, region string, appendIfMissing bool) (string, error) {
	region = strings.TrimRight(region, "\n") + "\n"
	if !strings.Contains(doc, begin) && !strings.Contains(doc, end) {
		switch {
		case doc == "":
			return region, nil
		case appendIfMissing:
			return strings.TrimRight(doc, "\n") + "\n\n" + region, nil
		}
		return "", fmt.Errorf("the document has no %s / %s markers", begin, end)
	}
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < 0 || j < i || strings.Count(doc, begin) != 1 || strings.Count(doc, end) != 1 {
		return "", fmt.Errorf("the document's %s / %s markers are unbalanced; fix them by hand", begin, end)
	}
	return doc[:i] + region + strings.TrimPrefix(doc[j+len(end):], "\n"), nil
}
