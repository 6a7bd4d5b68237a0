# faascope: the Makefile is the one way in; CI calls the same targets.
GO       ?= go
BIN      := bin/faascope
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
PKGS     := ./...

.PHONY: build run test lint bench fuzz fmt deps clean

## build: compile bin/faascope
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/faascope

## run: install what is missing, build, start faascope on its managed local ClickHouse and show it working
run:
	bash deploy/scripts/run-local.sh

## deps: install ClickHouse when no binary is found (Debian/Ubuntu, as root)
deps:
	bash deploy/scripts/install-clickhouse.sh

## test: formatting, vet, the whole suite with the race detector on a real ClickHouse, a short fuzz run
test: deps lint
	$(GO) test -race -count=1 -timeout 15m $(PKGS)
	$(MAKE) --no-print-directory fuzz

# Fuzz targets, their packages and budgets. Budgets are execution counts, not
# durations: with a duration, Go 1.26's fuzz coordinator can report a spurious
# "context deadline exceeded" at the deadline (golang/go#75804, fixed in Go
# 1.27). With 10 s durations the collector targets also ran only a dozen
# inputs (workers busy, no executions); with counts they run them all.
# Each budget takes 5-11 s here. FUZZTIME=30s (or 1000000x) overrides them.
FUZZ_TARGETS := ./collector:FuzzNormalizeProto:50000x ./collector:FuzzHTTPJSON:50000x \
	./collector/queue:FuzzDecodeRecord:200000x ./collector/queue:FuzzReadSegment:200000x

## fuzz: run every fuzz target for its budget
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${FUZZTIME:-$${rest#*:}}; \
		echo "fuzz $$name ($$pkg, $$budget)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $$budget $$pkg || exit 1; \
	done

## lint: gofmt and go vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

## bench: Go benchmarks of the hot paths (figures: docs/benchmarks.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
