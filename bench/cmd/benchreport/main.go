// Command benchreport writes the generated region of docs/benchmarks.md,
// the SVG chart and the README's performance paragraph from the raw output
// of the bench module's benchmarks, all from the same run. It is run by
// scripts/bench.sh; see there for the whole procedure.
//
//	benchreport -raw results/raw.txt -doc ../docs/benchmarks.md -svg ../docs/benchmarks.svg \
//	    -readme ../README.md -table 'Signature check=results/signature.txt' ...
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hmacgate/hmacgate/bench/internal/report"
)

type tableFlags []string

func (t *tableFlags) String() string     { return strings.Join(*t, ",") }
func (t *tableFlags) Set(v string) error { *t = append(*t, v); return nil }

// options are the command's flags.
type options struct {
	raw, doc, svg, readme string
	goVersion, commit     string
	peers                 string // one "module version" per line
	count                 int
	benchtime, command    string
	cpuinfo, load, date   string
	tables                []string // title=path
}

func main() {
	var o options
	flag.StringVar(&o.raw, "raw", "", "raw go test -bench output (required)")
	flag.StringVar(&o.doc, "doc", "", "markdown document whose marked region is written (required)")
	flag.StringVar(&o.svg, "svg", "", "SVG chart to write (required)")
	flag.StringVar(&o.readme, "readme", "", "README whose "+report.SummaryBegin+" region is written (none: not written)")
	flag.StringVar(&o.goVersion, "go", "", "output of go version")
	flag.StringVar(&o.commit, "commit", "", "hmacgate's commit")
	flag.StringVar(&o.peers, "peers", "", "peer modules and versions, one per line")
	flag.IntVar(&o.count, "count", 0, "number of interleaved runs")
	flag.StringVar(&o.benchtime, "benchtime", "", "the -benchtime used")
	flag.StringVar(&o.command, "command", "scripts/bench.sh", "how to reproduce")
	flag.StringVar(&o.cpuinfo, "cpuinfo", "/proc/cpuinfo", "where to read the CPU model")
	flag.StringVar(&o.load, "load", "", "load averages during the run, as text")
	flag.StringVar(&o.date, "date", "", "when the run ended (default: now, UTC)")
	flag.Var((*tableFlags)(&o.tables), "table", "title=path of a benchstat output; repeatable, in order")
	flag.Parse()
	if o.raw == "" || o.doc == "" || o.svg == "" {
		flag.Usage()
		os.Exit(2)
	}
	if o.date == "" {
		o.date = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	f, err := os.Open(o.raw)
	if err != nil {
		return err
	}
	res, err := report.Parse(f)
	f.Close()
	if err != nil {
		return err
	}
	if len(res.Names) == 0 {
		return fmt.Errorf("%s holds no benchmark results", o.raw)
	}

	m := report.Meta{
		GoVersion: o.goVersion,
		Date:      o.date,
		Commit:    o.commit,
		Count:     o.count,
		Benchtime: o.benchtime,
		Command:   o.command,
		Load:      o.load,
	}
	m.CPU, m.Cores, m.SHANI = readCPU(o.cpuinfo)
	for _, l := range strings.Split(o.peers, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m.Peers = append(m.Peers, l)
		}
	}

	var ts []report.Table
	for _, t := range o.tables {
		title, path, ok := strings.Cut(t, "=")
		if !ok {
			return fmt.Errorf("-table %q: want title=path", t)
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ts = append(ts, report.Table{Title: title, Text: string(text)})
	}

	link, err := filepath.Rel(filepath.Dir(o.doc), o.svg)
	if err != nil {
		return err
	}
	region := report.Region(m, res, ts, filepath.ToSlash(link))
	out, err := spliceFile(o.doc, region, report.Splice)
	if err != nil {
		return err
	}
	// Every document is computed before any is written, so that a refusal
	// (unbalanced markers, a README without them) leaves all as they were.
	var readme string
	if o.readme != "" {
		docLink, err := filepath.Rel(filepath.Dir(o.readme), o.doc)
		if err != nil {
			return err
		}
		readme, err = spliceFile(o.readme, report.Summary(m, res, filepath.ToSlash(docLink)), report.SpliceSummary)
		if err != nil {
			return fmt.Errorf("%s: %w", o.readme, err)
		}
	}
	if err := writeFile(o.svg, report.Chart(res)); err != nil {
		return err
	}
	if err := writeFile(o.doc, []byte(out)); err != nil {
		return err
	}
	if o.readme != "" {
		if err := writeFile(o.readme, []byte(readme)); err != nil {
			return err
		}
	}
	for _, t := range report.Targets() {
		t = t.Check(res)
		fmt.Printf("%-4s  %-90s  %s\n", t.Result(), t.Text, t.Measurement())
	}
	return nil
}

// spliceFile returns the document at path (empty when it does not exist yet)
// with region spliced in.
func spliceFile(path, region string, splice func(doc, region string) (string, error)) (string, error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return splice(string(old), region)
}

// writeFile replaces path atomically, so that a concurrent reader never sees
// half a document.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".benchreport-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readCPU returns the model name, the number of logical CPUs and whether
// the CPU has SHA extensions, from /proc/cpuinfo.
func readCPU(path string) (model string, cores int, shani bool) {
	f, err := os.Open(path)
	if err != nil {
		return "unknown CPU", 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "processor":
			cores++
		case "model name":
			if model == "" {
				model = v
			}
		case "flags":
			if !shani {
				for _, fl := range strings.Fields(v) {
					if fl == "sha_ni" {
						shani = true
					}
				}
			}
		}
	}
	if model == "" {
		model = "unknown CPU"
	}
	return model, cores, shani
}
