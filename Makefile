# The test command (README, .ci/run): go.mod/go.sum tidiness, formatting,
# vet, staticcheck, and the race-enabled test suite. Services it needs must
# be up; scripts/ installs tools that are missing.
STATICCHECK_VERSION := v0.8.2
GO ?= go
export GORACE ?= atexit_sleep_ms=0

.PHONY: test tidy-check browser interop doc-tools toolchains fmt-check vet staticcheck race build run bench loadtest fuzz

test: tidy-check browser interop doc-tools toolchains fmt-check vet staticcheck race

# Fails when go mod tidy would change go.mod or go.sum, of the root module or
# of bench/ (a module of its own), and prints the diff.
tidy-check:
	$(GO) mod tidy -diff
	cd bench && $(GO) mod tidy -diff

# The console's browser tests drive Debian's chromium; install it when missing.
browser:
	@bash scripts/install-chromium.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bench/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

# Tests that run other projects' real packages (interop/*/, each pinned with
# a package-lock.json) need them installed: npm ci in each such folder.
interop:
	@for d in interop/*/; do \
		if [ -f "$$d/package-lock.json" ]; then \
			echo "npm ci in $$d"; (cd "$$d" && npm ci --no-audit --no-fund --loglevel=error) || exit 1; \
		fi; \
	done

# The documentation's shell examples (TestDocExamples) use curl and jq.
doc-tools:
	@bash scripts/install-doc-tools.sh

# The cross-language vectors run Python, Node, Java, Go, Ruby and PHP
# (testdata/gen/generate.sh); install those that are missing.
toolchains:
	@bash scripts/install-toolchains.sh

race: browser interop doc-tools toolchains
	$(GO) test -race -count=1 ./...

build:
	$(GO) build -o bin/hmacgate ./cmd/hmacgate

run:
	$(GO) run ./cmd/hmacgate serve

bench:
	bash scripts/bench.sh

# The bounded loopback load tests; writes their region of docs/benchmarks.md
# and the README's sentence on them (needs PostgreSQL and Redis for scaleout).
loadtest:
	bash scripts/loadtest.sh

# A short fuzzing pass over every fuzz target (the seed corpora run in every
# go test; this explores further).
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./order -run '^$$' -fuzz FuzzVerifyBody -fuzztime $(FUZZTIME)
	$(GO) test ./order -run '^$$' -fuzz FuzzOrderdata -fuzztime $(FUZZTIME)
	$(GO) test ./connect -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME)
