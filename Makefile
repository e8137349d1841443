# The test command (README, .ci/run): formatting, vet, staticcheck, and the
# race-enabled test suite. Services it needs must be up; scripts/ installs
# tools that are missing.
STATICCHECK_VERSION := v0.8.2
GO ?= go
export GORACE ?= atexit_sleep_ms=0

.PHONY: test browser interop doc-tools fmt-check vet staticcheck race build run bench fuzz

test: browser interop doc-tools fmt-check vet staticcheck race

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

race: browser interop doc-tools
	$(GO) test -race -count=1 ./...

build:
	$(GO) build -o bin/hmacgate ./cmd/hmacgate

run:
	$(GO) run ./cmd/hmacgate serve

bench:
	bash scripts/bench.sh

# A short fuzzing pass over every fuzz target (the seed corpora run in every
# go test; this explores further).
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./order -run '^$$' -fuzz FuzzVerifyBody -fuzztime $(FUZZTIME)
	$(GO) test ./order -run '^$$' -fuzz FuzzOrderdata -fuzztime $(FUZZTIME)
	$(GO) test ./connect -run '^$$' -fuzz FuzzVerify -fuzztime $(FUZZTIME)
