#!/usr/bin/env bash
# Runs the bounded loopback load tests and writes, from that one run, the
# load-test region of docs/benchmarks.md (between <!-- loadtest:begin -->
# and <!-- loadtest:end -->) and the README's sentence on them (between
# <!-- loadtest-summary:begin --> and <!-- loadtest-summary:end -->). The
# rest of both documents is left as it is.
#
#   scripts/loadtest.sh                 # 3 runs of connect and partner, 1 of scaleout (about 3 minutes)
#   scripts/loadtest.sh -runs 1 -duration 500ms -partner-duration 100ms -rounds 2 \
#       -doc /tmp/l.md -readme /tmp/README.md   # a quick run that leaves the repository's documents alone
#
# Scenarios (each starts its servers in-process on 127.0.0.1 with random
# ports; every attack is bounded in time and in request count):
#   connect   the connect gate: no-op route vs refused and accepted connect calls (go run ./cmd/loadtest)
#   partner   bare handler vs the order middleware vs hmacgate proxy (go run ./internal/loadtest/partner)
#   scaleout  one instance vs two sharing PostgreSQL and Redis (go run ./cmd/loadtest -scenario scaleout);
#             needs PostgreSQL (HMACGATE_TEST_DATABASE_URL, default 127.0.0.1:5432/test) and
#             Redis (HMACGATE_TEST_REDIS_URL, default 127.0.0.1:6379)
#
# Knobs (flags win over the environment):
#   -scenarios LIST        / LOADTEST_SCENARIOS         default "connect partner scaleout"
#   -runs N                / LOADTEST_RUNS              runs of connect and of partner, interleaved (default 3)
#   -scaleout-runs N       / LOADTEST_SCALEOUT_RUNS     runs of scaleout (default 1)
#   -duration D            / LOADTEST_DURATION          per attack, connect and scaleout (default 3s)
#   -workers N             / LOADTEST_WORKERS           connections, connect and scaleout (default 8)
#   -max N                 / LOADTEST_MAX               requests per attack at most, connect (default 200000)
#   -scaleout-max N        / LOADTEST_SCALEOUT_MAX      the same for scaleout (default 60000)
#   -partner-duration D    / LOADTEST_PARTNER_DURATION  per round and scenario, partner (default 500ms)
#   -rounds N              / LOADTEST_ROUNDS            rounds per scenario, partner (default 10)
#   -partner-workers N     / LOADTEST_PARTNER_WORKERS   closed-loop workers, partner (default 16)
#   -orders N              / LOADTEST_ORDERS            signed orders, the bound per scenario, partner (default 200000)
#   -doc FILE              / LOADTEST_DOC               document to write (default docs/benchmarks.md)
#   -readme FILE           / LOADTEST_README            README to write (default README.md)
#   -results DIR           / LOADTEST_RESULTS           where the JSON of each run is kept (default: a new temporary directory)
#
# A document that does not exist is created holding its region alone; one
# without the markers is refused and left as it is.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
args="$*"
scenarios="${LOADTEST_SCENARIOS:-connect partner scaleout}"
runs="${LOADTEST_RUNS:-3}"
scaleout_runs="${LOADTEST_SCALEOUT_RUNS:-1}"
duration="${LOADTEST_DURATION:-3s}"
workers="${LOADTEST_WORKERS:-8}"
max="${LOADTEST_MAX:-200000}"
scaleout_max="${LOADTEST_SCALEOUT_MAX:-60000}"
pduration="${LOADTEST_PARTNER_DURATION:-500ms}"
rounds="${LOADTEST_ROUNDS:-10}"
pworkers="${LOADTEST_PARTNER_WORKERS:-16}"
orders="${LOADTEST_ORDERS:-200000}"
doc="${LOADTEST_DOC:-$root/docs/benchmarks.md}"
readme="${LOADTEST_README:-$root/README.md}"
results="${LOADTEST_RESULTS:-}"

while [ $# -gt 0 ]; do
	case "$1" in
	-scenarios) scenarios="$2"; shift 2 ;;
	-runs) runs="$2"; shift 2 ;;
	-scaleout-runs) scaleout_runs="$2"; shift 2 ;;
	-duration) duration="$2"; shift 2 ;;
	-workers) workers="$2"; shift 2 ;;
	-max) max="$2"; shift 2 ;;
	-scaleout-max) scaleout_max="$2"; shift 2 ;;
	-partner-duration) pduration="$2"; shift 2 ;;
	-rounds) rounds="$2"; shift 2 ;;
	-partner-workers) pworkers="$2"; shift 2 ;;
	-orders) orders="$2"; shift 2 ;;
	-doc) doc="$2"; shift 2 ;;
	-readme) readme="$2"; shift 2 ;;
	-results) results="$2"; shift 2 ;;
	-h | -help | --help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "loadtest.sh: unknown argument $1 (try -help)" >&2; exit 2 ;;
	esac
done
for n in "$runs" "$scaleout_runs" "$workers" "$max" "$scaleout_max" "$rounds" "$pworkers" "$orders"; do
	case "$n" in '' | *[!0-9]* | 0) echo "loadtest.sh: counts must be positive integers (got '$n')" >&2; exit 2 ;; esac
done
for s in $scenarios; do
	case "$s" in connect | partner | scaleout) ;; *) echo "loadtest.sh: unknown scenario $s" >&2; exit 2 ;; esac
done
has() { case " $scenarios " in *" $1 "*) return 0 ;; esac; return 1; }
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
doc="$(abs "$doc")"
readme="$(abs "$readme")"
if [ -z "$results" ]; then results="$(mktemp -d "${TMPDIR:-/tmp}/hmacgate-loadtest-XXXXXX")"; fi
results="$(abs "$results")"
mkdir -p "$results" "$(dirname "$doc")" "$(dirname "$readme")"

cd "$root"
echo "loadtest.sh: building the load generators" >&2
go build -o "$results/loadtest" ./cmd/loadtest
go build -o "$results/partner" ./internal/loadtest/partner
go build -o "$results/loadreport" ./internal/loadtest/loadreport

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"
connect_files=() partner_files=() scaleout_files=()
for i in $(seq 1 "$runs"); do
	if has connect; then
		echo "loadtest.sh: connect, run $i of $runs" >&2
		"$results/loadtest" -scenario connect -duration "$duration" -workers "$workers" -max "$max" \
			-json "$results/connect-$i.json" >"$results/connect-$i.txt"
		connect_files+=("$results/connect-$i.json")
	fi
	if has partner; then
		echo "loadtest.sh: partner, run $i of $runs" >&2
		"$results/partner" -duration "$pduration" -rounds "$rounds" -workers "$pworkers" -orders "$orders" \
			-json "$results/partner-$i.json" >"$results/partner-$i.txt"
		partner_files+=("$results/partner-$i.json")
	fi
done
if has scaleout; then
	for i in $(seq 1 "$scaleout_runs"); do
		echo "loadtest.sh: scaleout, run $i of $scaleout_runs" >&2
		"$results/loadtest" -scenario scaleout -duration "$duration" -workers "$workers" -max "$scaleout_max" \
			-json "$results/scaleout-$i.json" >"$results/scaleout-$i.txt"
		scaleout_files+=("$results/scaleout-$i.json")
	done
fi
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)"

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- '*.go' ':(exclude)bench' 2>/dev/null)" ]; then
	commit="$commit with uncommitted Go changes"
fi
join() { local IFS=,; echo "$*"; }
rep=(-doc "$doc" -readme "$readme" -commit "$commit" -command "scripts/loadtest.sh${args:+ $args}"
	-connect "$(join "${connect_files[@]}")" -partner "$(join "${partner_files[@]}")" -scaleout "$(join "${scaleout_files[@]}")")
if [ -n "$load_before" ]; then
	rep+=(-load "$load_before at the start, $load_after at the end (1, 5, 15 min; the machine is shared)"
		-load1 "${load_before%% *}" -load1 "${load_after%% *}")
fi
"$results/loadreport" "${rep[@]}"
echo "loadtest.sh: wrote ${doc#"$root"/} and ${readme#"$root"/}; the runs' output is in $results" >&2
