package report

import (
	"encoding/xml"
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/hmacgate/hmacgate/bench
cpu: Test CPU @ 3.0GHz
BenchmarkSignature/size=1KiB/impl=hmacgate-2         	  243740	       900 ns/op	1039.95 MB/s	       0 B/op	       0 allocs/op
BenchmarkSignature/size=1KiB/impl=hmac-floor-2       	  293089	       880 ns/op	 914.72 MB/s	       0 B/op	       0 allocs/op
BenchmarkSignature/size=1KiB/impl=standardwebhooks-2 	   36022	      6000 ns/op	 122.40 MB/s	    3024 B/op	      17 allocs/op
BenchmarkSignature/size=1KiB/impl=svix-2             	   38100	      6500 ns/op	 157.68 MB/s	    3104 B/op	      20 allocs/op
BenchmarkSignature/size=1KiB/impl=stripe-2           	   90080	      2000 ns/op	 303.89 MB/s	     808 B/op	      17 allocs/op
BenchmarkSignature/size=64KiB/impl=hmacgate-2        	    3847	     50000 ns/op	1124.23 MB/s	       0 B/op	       0 allocs/op
BenchmarkSignature/size=64KiB/impl=hmac-floor-2      	    4742	     49000 ns/op	1168.22 MB/s	       0 B/op	       0 allocs/op
BenchmarkSignature/size=64KiB/impl=stripe-2          	    3620	     93771 ns/op	 698.89 MB/s	     808 B/op	      17 allocs/op
BenchmarkSignatureParallel/size=1KiB/impl=hmacgate-2 	  276555	       500 ns/op	 838.95 MB/s	       0 B/op	       0 allocs/op
BenchmarkOrder/impl=hmacgate-2                       	   68470	      4000 ns/op	 212.14 MB/s	     880 B/op	       2 allocs/op
BenchmarkOrder/impl=naive-2                          	   19388	     12000 ns/op	  66.74 MB/s	    3432 B/op	      28 allocs/op
BenchmarkConnect/impl=hmacgate-2                     	  993237	       240 ns/op	       0 B/op	       0 allocs/op
BenchmarkConnect/impl=hmacgate-2                     	  993237	       250 ns/op	       0 B/op	       1 allocs/op
BenchmarkConnect/impl=hmacgate-2                     	  993237	       245 ns/op	       0 B/op	       0 allocs/op
BenchmarkConnect/impl=sha256-64B-2                   	 1000000	       150 ns/op	       0 B/op	       0 allocs/op
PASS
ok  	github.com/hmacgate/hmacgate/bench	10.734s
`

func parsed(t *testing.T) *Results {
	t.Helper()
	r, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParse(t *testing.T) {
	r := parsed(t)
	if r.CPU != "Test CPU @ 3.0GHz" || r.Procs != 2 {
		t.Errorf("CPU %q, procs %d", r.CPU, r.Procs)
	}
	s, ok := r.Get("Connect/impl=hmacgate")
	if !ok || s.Ns != 245 || s.N != 3 || s.Allocs != 0 {
		t.Errorf("Connect/impl=hmacgate = %+v, %v; want median 245 ns over 3 samples", s, ok)
	}
	if got := r.MaxAllocs("Connect/impl=hmacgate"); got != 1 {
		t.Errorf("MaxAllocs = %v; want 1", got)
	}
	if r.Names[0] != "Signature/size=1KiB/impl=hmacgate" {
		t.Errorf("first name %q", r.Names[0])
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got, _ := Median(c.in); got != c.want {
			t.Errorf("Median(%v) = %v; want %v", c.in, got, c.want)
		}
	}
	if _, ok := Median(nil); ok {
		t.Error("Median(nil) ok")
	}
}

func TestTargets(t *testing.T) {
	r := parsed(t)
	got := map[string]Target{}
	for _, tg := range Targets() {
		tg = tg.Check(r)
		got[tg.Group.Title] = tg
	}
	// 900 / 2000 (Stripe is the fastest peer) = 0.45, 0 allocs.
	if tg := got[Groups[0].Title]; tg.Result() != "PASS" || tg.BaseImpl != Stripe || tg.Ratio != 0.45 {
		t.Errorf("1 KiB: %s, %s, %v", tg.Result(), tg.BaseImpl, tg.Ratio)
	}
	// 50000 / 49000 = 1.02, no bytes.
	if tg := got[Groups[1].Title]; tg.Result() != "PASS" {
		t.Errorf("64 KiB: %s %s", tg.Result(), tg.Measurement())
	}
	// 4000 / 12000 = 0.33 > 0.3.
	if tg := got[Groups[2].Title]; tg.Result() != "MISS" {
		t.Errorf("order: %s %s", tg.Result(), tg.Measurement())
	}
	// 245 / 150 = 1.63, but one sample allocated.
	if tg := got[Groups[3].Title]; tg.Result() != "MISS" || !strings.Contains(tg.Measurement(), "1 allocs/op") {
		t.Errorf("connect: %s %s", tg.Result(), tg.Measurement())
	}
	empty, _ := Parse(strings.NewReader(""))
	if tg := Targets()[0].Check(empty); tg.Result() != "not measured" {
		t.Errorf("empty run: %s", tg.Result())
	}
}

func TestRatioRoundsLikeTheReport(t *testing.T) {
	r, _ := Parse(strings.NewReader(
		"BenchmarkOrder/impl=hmacgate-2 1 3002 ns/op\nBenchmarkOrder/impl=naive-2 1 10000 ns/op\n"))
	if tg := Targets()[2].Check(r); tg.Result() != "PASS" {
		t.Errorf("0.3002 shown as 0.30 must pass ≤ 0.3: %s", tg.Result())
	}
}

func TestRegion(t *testing.T) {
	r := parsed(t)
	m := Meta{CPU: "AMD EPYC", Cores: 2, GoVersion: "go version go1.26.8 linux/amd64", Date: "today", Count: 3, Benchtime: "1s"}
	reg := Region(m, r, []Table{{Title: "T", Text: "goos: linux\ncpu: x\n  │ hmacgate │\nrow 1\n\n"}}, "benchmarks.svg")
	for _, want := range []string{
		BeginMarker, EndMarker, "AMD EPYC (Go reports \"Test CPU @ 3.0GHz\"), 2 cores", "| Go | go1.26.8 linux/amd64 |",
		"0.45× Stripe ValidatePayload, 0 allocs/op | **PASS**", "0.33× naive seed pipeline | **MISS**",
		"![hmacgate against", "(benchmarks.svg)", "#### T\n\n```text\n  │ hmacgate │\nrow 1\n```",
	} {
		if !strings.Contains(reg, want) {
			t.Errorf("region lacks %q", want)
		}
	}
	if strings.Contains(reg, "goos:") {
		t.Error("benchstat header lines kept")
	}
	if !strings.HasPrefix(reg, BeginMarker) || !strings.HasSuffix(reg, EndMarker+"\n") {
		t.Error("region is not delimited by the markers")
	}
}

func TestSplice(t *testing.T) {
	region := BeginMarker + "\nnew\n" + EndMarker + "\n"

	got, err := Splice("", region)
	if err != nil || got != "# Benchmarks\n\n"+region {
		t.Errorf("new document: %q, %v", got, err)
	}

	doc := "# Benchmarks\n\nintro\n\n" + BeginMarker + "\nold\nlines\n" + EndMarker + "\n\n## Load tests\n\nkeep me\n"
	got, err = Splice(doc, region)
	want := "# Benchmarks\n\nintro\n\n" + region + "\n## Load tests\n\nkeep me\n"
	if err != nil || got != want {
		t.Errorf("replace:\n%q\nwant\n%q (%v)", got, want, err)
	}
	again, _ := Splice(got, region)
	if again != got {
		t.Error("splicing twice changes the document")
	}

	got, err = Splice("# Benchmarks\n\n## Load tests\nkeep me\n", region)
	if err != nil || got != "# Benchmarks\n\n## Load tests\nkeep me\n\n"+region {
		t.Errorf("append: %q, %v", got, err)
	}

	for _, bad := range []string{
		BeginMarker + "\nno end\n",
		EndMarker + "\n" + BeginMarker + "\n",
		BeginMarker + BeginMarker + EndMarker,
	} {
		if _, err := Splice(bad, region); err == nil {
			t.Errorf("unbalanced markers accepted: %q", bad)
		}
	}
}

func TestChartIsWellFormedSVG(t *testing.T) {
	svg := Chart(parsed(t))
	d := xml.NewDecoder(strings.NewReader(string(svg)))
	var rects, texts int
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v", err)
			}
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "rect":
				rects++
			case "text":
				texts++
			}
		}
	}
	// A background, 4 legend swatches... at least one bar per contender measured.
	if rects < 1+3+len(parsed(t).Names)-1 || texts < 10 {
		t.Errorf("%d rects, %d texts", rects, texts)
	}
	for _, want := range []string{"Stripe ValidatePayload", "0.45× Stripe ValidatePayload: PASS", "target", "245 ns · 0 allocs"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestDuration(t *testing.T) {
	for ns, want := range map[float64]string{241: "241 ns", 1234: "1.23 µs", 58294: "58.3 µs", 2.5e6: "2.50 ms"} {
		if got := Duration(ns); got != want {
			t.Errorf("Duration(%v) = %q; want %q", ns, got, want)
		}
	}
}

func TestSummary(t *testing.T) {
	r := parsed(t)
	m := Meta{Date: "2026-01-02 03:04 UTC", Commit: "abc123"}
	got := Summary(m, r, "docs/benchmarks.md")
	for _, want := range []string{
		"([docs/benchmarks.md](docs/benchmarks.md), 2026-01-02, hmacgate abc123, rerun with `scripts/bench.sh`)",
		"a 1 KiB signature check takes 0.45× the time of the fastest peer (Stripe ValidatePayload) with 0 allocations",
		"at 64 KiB it runs at 1.02× a bare `crypto/hmac` pass and never copies the payload",
		"a full order verification from the form body (4.00 µs, 2 allocations) takes 0.33× the naive seed pipeline",
		// The median is 245 ns, but one sample allocated: the maximum is reported.
		"a connect verification (245 ns, 1 allocation) costs 1.63× one SHA-256 of 64 bytes",
		"2 of 4 targets are met; missed: Full order verification",
	} {
		if !strings.Contains(strings.Join(strings.Fields(got), " "), want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasPrefix(got, SummaryBegin+"\n<!-- Generated by scripts/bench.sh") || !strings.HasSuffix(got, SummaryEnd+"\n") {
		t.Errorf("summary is not between its markers:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if !strings.HasPrefix(l, "<!--") && len(l) > 100 {
			t.Errorf("line longer than 100 bytes: %q", l)
		}
	}

	empty, _ := Parse(strings.NewReader(""))
	if got := Summary(Meta{}, empty, "b.md"); !strings.Contains(got, "was not measured") || strings.Contains(got, "targets") {
		t.Errorf("summary of an empty run:\n%s", got)
	}
}

func TestSpliceSummary(t *testing.T) {
	region := SummaryBegin + "\nnew\n" + SummaryEnd + "\n"
	doc := "# R\n\n## Performance\n\n" + SummaryBegin + "\nold\n" + SummaryEnd + "\n\n![chart](x.svg)\n"
	got, err := SpliceSummary(doc, region)
	if want := "# R\n\n## Performance\n\n" + region + "\n![chart](x.svg)\n"; err != nil || got != want {
		t.Errorf("replace:\n%q\nwant\n%q (%v)", got, want, err)
	}
	if got, err := SpliceSummary("", region); err != nil || got != region {
		t.Errorf("new document: %q, %v", got, err)
	}
	for _, bad := range []string{"# R\n\nno markers\n", SummaryBegin + "\n", SummaryEnd + SummaryBegin, region + region} {
		if _, err := SpliceSummary(bad, region); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, c := range []struct {
		in   string
		w    int
		want string
	}{
		{"a bb ccc dddd", 6, "a bb\nccc\ndddd\n"},
		{"  a   b  ", 10, "a b\n"},
		{"", 10, ""},
		{"toolongword x", 4, "toolongword\nx\n"},
	} {
		if got := Wrap(c.in, c.w); got != c.want {
			t.Errorf("Wrap(%q, %d) = %q; want %q", c.in, c.w, got, c.want)
		}
	}
}
