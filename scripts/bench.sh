#!/usr/bin/env bash
# Runs the side-by-side benchmarks in bench/ (hmacgate against Standard
# Webhooks, Svix, Stripe, the seeds' naive code and the physical floors) and
# writes, from that one run, the generated region of docs/benchmarks.md
# (between <!-- bench:begin --> and <!-- bench:end -->), the chart
# docs/benchmarks.svg and the README's performance paragraph (between
# <!-- bench-summary:begin --> and <!-- bench-summary:end -->). The rest of
# both documents is left as it is.
#
#   scripts/bench.sh                          # the full run: 10 counts, -benchtime 1s (about 10 minutes)
#   scripts/bench.sh -count 2 -benchtime 100ms -doc /tmp/b.md -svg /tmp/b.svg -readme /tmp/README.md
#                                             # a quick run that leaves the repository's documents alone
#   BENCH_COUNT=3 BENCH_TIME=200ms scripts/bench.sh
#
# Knobs (flags win over the environment):
#   -count N      / BENCH_COUNT   interleaved runs of every benchmark (default 10)
#   -benchtime D  / BENCH_TIME    go test -benchtime (default 1s)
#   -bench RE     / BENCH_FILTER  go test -bench (default .)
#   -doc FILE     / BENCH_DOC     document to write (default docs/benchmarks.md)
#   -svg FILE     / BENCH_SVG     chart to write (default docs/benchmarks.svg)
#   -readme FILE  / BENCH_README  README whose performance paragraph is written (default README.md;
#                                 a FILE that does not exist is created holding the paragraph alone)
#
# The whole suite is run COUNT times in a row (rather than each benchmark
# COUNT times in a row) so that noise from other work on the machine spreads
# over every contender alike. Raw output is kept in bench/results/ (ignored
# by git). benchstat is installed when missing. Needs only Go.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
count="${BENCH_COUNT:-10}"
benchtime="${BENCH_TIME:-1s}"
filter="${BENCH_FILTER:-.}"
doc="${BENCH_DOC:-$root/docs/benchmarks.md}"
svg="${BENCH_SVG:-$root/docs/benchmarks.svg}"
readme="${BENCH_README:-$root/README.md}"

while [ $# -gt 0 ]; do
	case "$1" in
	-count) count="$2"; shift 2 ;;
	-benchtime) benchtime="$2"; shift 2 ;;
	-bench) filter="$2"; shift 2 ;;
	-doc) doc="$2"; shift 2 ;;
	-svg) svg="$2"; shift 2 ;;
	-readme) readme="$2"; shift 2 ;;
	-h | -help | --help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown argument $1 (try -help)" >&2; exit 2 ;;
	esac
done
case "$count" in '' | *[!0-9]* | 0) echo "bench.sh: -count must be a positive integer" >&2; exit 2 ;; esac
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
doc="$(abs "$doc")"
svg="$(abs "$svg")"
readme="$(abs "$readme")"
mkdir -p "$(dirname "$doc")" "$(dirname "$svg")" "$(dirname "$readme")"

# benchstat: on PATH, in GOBIN/GOPATH/bin, or installed now.
gobin="$(go env GOBIN)"
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
benchstat="$(command -v benchstat || true)"
[ -n "$benchstat" ] || benchstat="$gobin/benchstat"
if [ ! -x "$benchstat" ]; then
	echo "bench.sh: installing benchstat" >&2
	go install golang.org/x/perf/cmd/benchstat@latest
	benchstat="$gobin/benchstat"
fi

cd "$root/bench"
out="$root/bench/results"
mkdir -p "$out"
raw="$out/raw.txt"

echo "bench.sh: checking that every contender accepts its valid input and refuses a tampered one" >&2
go vet ./...
go test -count=1 ./...

go test -c -o "$out/bench.test" .
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
: >"$raw"
for i in $(seq 1 "$count"); do
	echo "bench.sh: run $i of $count (-benchtime $benchtime)" >&2
	"$out/bench.test" -test.run '^$' -test.bench "$filter" -test.benchmem \
		-test.benchtime "$benchtime" -test.count 1 -test.timeout 30m | tee -a "$raw" |
		grep -E '^(Benchmark|FAIL|panic)' >&2 || true
	if grep -qE '^(FAIL|--- FAIL|panic:)' "$raw"; then
		echo "bench.sh: a benchmark failed; see $raw" >&2
		exit 1
	fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"

# One benchstat table per comparison, contenders side by side (B/s left out:
# it is sec/op again).
tables=()
stat() { # title file filter [benchstat flags]
	local title="$1" file="$2" filter="$3"
	shift 3
	"$benchstat" -filter "($filter) -.unit:B/s" -col /impl "$@" "$raw" >"$out/$file" 2>"$out/$file.err" || {
		cat "$out/$file.err" >&2
		exit 1
	}
	if grep -q '[0-9]' "$out/$file"; then tables+=(-table "$title=$out/$file"); fi
}
stat "Signature check (sequential)" signature.txt '.name:Signature' -row /size
stat "Signature check (parallel)" signature-parallel.txt '.name:SignatureParallel' -row /size
stat "Full order verification (sequential and parallel)" order.txt '.name:Order OR .name:OrderParallel'
stat "Connect verification (sequential and parallel)" connect.txt '.name:Connect OR .name:ConnectParallel'

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$root" status --porcelain -- '*.go' ':(exclude)bench' 2>/dev/null)" ]; then
	commit="$commit with uncommitted Go changes"
fi
peers="$(go list -m -f '{{.Path}} {{.Version}}' \
	github.com/standard-webhooks/standard-webhooks/libraries \
	github.com/svix/svix-webhooks \
	github.com/stripe/stripe-go/v85)"
rep=(-raw "$raw" -doc "$doc" -svg "$svg" -readme "$readme" -go "$(go version)" -commit "$commit" -peers "$peers"
	-count "$count" -benchtime "$benchtime")
if [ -n "$load_before" ]; then rep+=(-load "$load_before at the start, $load_after at the end (1, 5, 15 min)"); fi
if [ "$count" != 10 ] || [ "$benchtime" != 1s ] || [ "$filter" != . ]; then
	rep+=(-command "scripts/bench.sh -count $count -benchtime $benchtime -bench '$filter'")
fi
go run ./cmd/benchreport "${rep[@]}" "${tables[@]}"
echo "bench.sh: wrote ${doc#"$root"/}, ${svg#"$root"/} and ${readme#"$root"/}" >&2
