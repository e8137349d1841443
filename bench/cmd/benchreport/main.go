// Command benchreport writes the generated region of docs/benchmarks.md and
// the SVG chart from the raw output of the bench module's benchmarks. It is
// run by scripts/bench.sh; see there for the whole procedure.
//
//	benchreport -raw results/raw.txt -doc ../docs/benchmarks.md -svg ../docs/benchmarks.svg \
//	    -table 'Signature check=results/signature.txt' ...
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

func main() {
	var (
		raw       = flag.String("raw", "", "raw go test -bench output (required)")
		doc       = flag.String("doc", "", "markdown document whose marked region is written (required)")
		svg       = flag.String("svg", "", "SVG chart to write (required)")
		goVersion = flag.String("go", "", "output of go version")
		commit    = flag.String("commit", "", "hmacgate's commit")
		peers     = flag.String("peers", "", "peer modules and versions, one per line")
		count     = flag.Int("count", 0, "number of interleaved runs")
		benchtime = flag.String("benchtime", "", "the -benchtime used")
		command   = flag.String("command", "scripts/bench.sh", "how to reproduce")
		cpuinfo   = flag.String("cpuinfo", "/proc/cpuinfo", "where to read the CPU model")
		load      = flag.String("load", "", "load averages during the run, as text")
		date      = flag.String("date", "", "when the run ended (default: now, UTC)")
		tables    tableFlags
	)
	flag.Var(&tables, "table", "title=path of a benchstat output; repeatable, in order")
	flag.Parse()
	if *raw == "" || *doc == "" || *svg == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *date == "" {
		*date = time.Now().UTC().Format("2006-01-02 15:04 UTC")
	}
	if err := run(*raw, *doc, *svg, *goVersion, *commit, *peers, *count, *benchtime, *command, *cpuinfo, *load, *date, tables); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(raw, doc, svg, goVersion, commit, peers string, count int, benchtime, command, cpuinfo, load, date string, tables []string) error {
	f, err := os.Open(raw)
	if err != nil {
		return err
	}
	res, err := report.Parse(f)
	f.Close()
	if err != nil {
		return err
	}
	if len(res.Names) == 0 {
		return fmt.Errorf("%s holds no benchmark results", raw)
	}

	m := report.Meta{
		GoVersion: goVersion,
		Date:      date,
		Commit:    commit,
		Count:     count,
		Benchtime: benchtime,
		Command:   command,
		Load:      load,
	}
	m.CPU, m.Cores, m.SHANI = readCPU(cpuinfo)
	for _, l := range strings.Split(peers, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m.Peers = append(m.Peers, l)
		}
	}

	var ts []report.Table
	for _, t := range tables {
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

	link, err := filepath.Rel(filepath.Dir(doc), svg)
	if err != nil {
		return err
	}
	region := report.Region(m, res, ts, filepath.ToSlash(link))

	old, err := os.ReadFile(doc)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	out, err := report.Splice(string(old), region)
	if err != nil {
		return err
	}
	if err := writeFile(svg, report.Chart(res)); err != nil {
		return err
	}
	if err := writeFile(doc, []byte(out)); err != nil {
		return err
	}
	for _, t := range report.Targets() {
		t = t.Check(res)
		fmt.Printf("%-4s  %-90s  %s\n", t.Result(), t.Text, t.Measurement())
	}
	return nil
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
