// Package report turns the raw output of the bench module's benchmarks into
// the generated region of docs/benchmarks.md: the ratio table with the
// targets, the SVG chart and the benchstat tables.
package report

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Sample holds every measurement of one benchmark.
type Sample struct {
	NsPerOp     []float64
	BytesPerOp  []float64
	AllocsPerOp []float64
}

// Results are the measurements of one run, by benchmark name without the
// "Benchmark" prefix and the -GOMAXPROCS suffix, e.g.
// "Signature/size=1KiB/impl=hmacgate".
type Results struct {
	ByName map[string]*Sample
	Names  []string // in order of first appearance
	CPU    string   // the "cpu:" line go test prints
	Procs  int      // GOMAXPROCS, from the name suffix
}

var procsSuffix = regexp.MustCompile(`-(\d+)$`)

// Parse reads go test -bench output. Lines that are not benchmark results
// are ignored, so several runs may be concatenated.
func Parse(r io.Reader) (*Results, error) {
	res := &Results{ByName: map[string]*Sample{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			res.CPU = strings.TrimSpace(cpu)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // a benchmark name alone (its output follows) or a malformed line
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if m := procsSuffix.FindStringSubmatch(name); m != nil {
			res.Procs, _ = strconv.Atoi(m[1])
			name = strings.TrimSuffix(name, m[0])
		}
		s := res.ByName[name]
		if s == nil {
			s = &Sample{}
			res.ByName[name] = s
			res.Names = append(res.Names, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("report: %q: %v", line, err)
			}
			switch f[i+1] {
			case "ns/op":
				s.NsPerOp = append(s.NsPerOp, v)
			case "B/op":
				s.BytesPerOp = append(s.BytesPerOp, v)
			case "allocs/op":
				s.AllocsPerOp = append(s.AllocsPerOp, v)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

// Median returns the median of xs, or NaN-free 0 and false when xs is empty.
func Median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

// Stat is the median of each unit of one benchmark.
type Stat struct {
	Ns, Bytes, Allocs float64
	N                 int // number of samples
}

// Get returns the medians of benchmark name.
func (r *Results) Get(name string) (Stat, bool) {
	s := r.ByName[name]
	if s == nil {
		return Stat{}, false
	}
	ns, ok := Median(s.NsPerOp)
	if !ok {
		return Stat{}, false
	}
	b, _ := Median(s.BytesPerOp)
	a, _ := Median(s.AllocsPerOp)
	return Stat{Ns: ns, Bytes: b, Allocs: a, N: len(s.NsPerOp)}, true
}

// MaxAllocs returns the largest allocs/op seen for name over all samples,
// so that "0 allocs" means zero in every sample, not just the median.
func (r *Results) MaxAllocs(name string) float64 {
	s := r.ByName[name]
	if s == nil || len(s.AllocsPerOp) == 0 {
		return -1
	}
	return slices.Max(s.AllocsPerOp)
}

// MaxBytes is MaxAllocs for B/op.
func (r *Results) MaxBytes(name string) float64 {
	s := r.ByName[name]
	if s == nil || len(s.BytesPerOp) == 0 {
		return -1
	}
	return slices.Max(s.BytesPerOp)
}
