// Command loadreport writes the load-test region of docs/benchmarks.md
// (between <!-- loadtest:begin --> and <!-- loadtest:end -->) and the
// README's sentence on the load tests (between <!-- loadtest-summary:begin
// --> and <!-- loadtest-summary:end -->) from the JSON files the load-test
// programs wrote with -json. It is run by scripts/loadtest.sh; see there.
//
//	loadreport -connect c1.json,c2.json -partner p1.json -scaleout s.json -doc docs/benchmarks.md -readme README.md
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hmacgate/hmacgate/internal/loadtest"
)

type options struct {
	connect, partner, scaleout string // comma-separated JSON files, in run order
	doc, readme                string
	commit, load, command      string
	load1                      []float64
}

// floats is a repeatable float flag.
type floats []float64

func (f *floats) String() string { return fmt.Sprint(*f) }

func (f *floats) Set(v string) error {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return err
	}
	*f = append(*f, x)
	return nil
}

func main() {
	var o options
	flag.StringVar(&o.connect, "connect", "", "JSON files of the connect scenario's runs, comma-separated")
	flag.StringVar(&o.partner, "partner", "", "JSON files of the partner scenarios' runs, comma-separated")
	flag.StringVar(&o.scaleout, "scaleout", "", "JSON files of the scale-out scenario's runs, comma-separated")
	flag.StringVar(&o.doc, "doc", "", "document whose marked region is written (required)")
	flag.StringVar(&o.readme, "readme", "", "README whose marked sentence is written (none: not written)")
	flag.StringVar(&o.commit, "commit", "", "hmacgate's commit")
	flag.StringVar(&o.load, "load", "", "load averages during the run, as text")
	flag.Var((*floats)(&o.load1), "load1", "a 1-minute load average measured during the run; repeatable")
	flag.StringVar(&o.command, "command", "scripts/loadtest.sh", "how to run it again")
	flag.Parse()
	if o.doc == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadreport:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	rep := loadtest.Report{Commit: o.commit, Load: o.load, Load1: o.load1, Command: o.command}
	for _, in := range []struct {
		files string
		runs  *[]loadtest.Run
		name  string
	}{{o.connect, &rep.Connect, "connect"}, {o.partner, &rep.Partner, "partner"}, {o.scaleout, &rep.Scaleout, "scaleout"}} {
		for _, f := range strings.Split(in.files, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			r, err := loadtest.ReadRun(f)
			if err != nil {
				return err
			}
			if r.Scenario != in.name {
				return fmt.Errorf("%s holds the %q scenario, given as %s", f, r.Scenario, in.name)
			}
			*in.runs = append(*in.runs, r)
		}
	}
	if len(rep.Connect)+len(rep.Partner)+len(rep.Scaleout) == 0 {
		return errors.New("no runs given")
	}

	// Both documents are computed before either is written, so that a
	// refusal (missing or unbalanced markers) leaves both as they were.
	doc, err := splice(o.doc, loadtest.BeginMarker, loadtest.EndMarker, rep.Markdown())
	if err != nil {
		return err
	}
	var readme string
	if o.readme != "" {
		link, err := filepath.Rel(filepath.Dir(o.readme), o.doc)
		if err != nil {
			return err
		}
		readme, err = splice(o.readme, loadtest.SummaryBegin, loadtest.SummaryEnd, rep.Summary(filepath.ToSlash(link)))
		if err != nil {
			return err
		}
	}
	if err := writeFile(o.doc, doc); err != nil {
		return err
	}
	if o.readme != "" {
		return writeFile(o.readme, readme)
	}
	return nil
}

// splice returns the document at path (empty when it does not exist yet)
// with region in place of its marked region.
func splice(path, begin, end, region string) (string, error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	out, err := loadtest.Splice(string(old), begin, end, region, false)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// writeFile replaces path atomically.
func writeFile(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".loadreport-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
