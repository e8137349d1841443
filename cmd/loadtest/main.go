// Command loadtest measures hmacgate under bounded load on loopback and
// prints markdown tables; with -json it also writes the results in the form
// scripts/loadtest.sh turns into docs/benchmarks.md and the README.
//
//	go run ./cmd/loadtest -scenario connect [-duration 3s] [-workers 8] [-json connect.json]
//	go run ./cmd/loadtest -scenario scaleout
//
// Scenarios start the real servers in-process on 127.0.0.1 with random
// ports; every attack is bounded in time and in request count.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/hmacgate/hmacgate/internal/loadtest"
)

type scenario struct {
	name, about string
	run         func(cfg config) ([]loadtest.Result, error)
}

type config struct {
	duration time.Duration
	workers  uint64
	max      uint64
}

var scenarios = []scenario{
	{"connect", "the connect gate: no-op handler vs refused and accepted connect calls", runConnect},
	{"scaleout", "one instance (SQLite, memory) vs two (PostgreSQL, Redis): connect calls and proxy verifications", runScaleout},
}

func main() {
	name := flag.String("scenario", "connect", "scenario to run")
	duration := flag.Duration("duration", 3*time.Second, "length of each attack")
	workers := flag.Uint64("workers", 8, "concurrent client connections")
	max := flag.Uint64("max", 200000, "upper bound on requests per attack")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (client and servers) to this file")
	jsonOut := flag.String("json", "", "also write the results as JSON to this file (for scripts/loadtest.sh)")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
		_ = pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("go %s, %s/%s, %d CPUs, %d workers, %s per attack\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), *workers, *duration)
	for _, s := range scenarios {
		if s.name == *name {
			results, err := s.run(config{*duration, *workers, *max})
			if err == nil && *jsonOut != "" {
				settings := fmt.Sprintf("%d connections, %s per attack, at most %d requests per attack", *workers, *duration, *max)
				err = loadtest.NewRun(s.name, loadtest.CommandLine("go run ./cmd/loadtest", os.Args[1:]), settings, results).WriteFile(*jsonOut)
			}
			if err != nil {
				pprof.StopCPUProfile()
				fmt.Fprintln(os.Stderr, "loadtest:", err)
				os.Exit(1)
			}
			return
		}
	}
	fmt.Fprintf(os.Stderr, "loadtest: unknown scenario %q\n", *name)
	os.Exit(2)
}
