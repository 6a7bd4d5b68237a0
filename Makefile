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

# Fuzz targets and their packages; FUZZTIME per target (seed corpora also run in every go test).
FUZZTIME ?= 10s
FUZZ_TARGETS := ./collector:FuzzNormalizeProto ./collector:FuzzHTTPJSON \
	./collector/queue:FuzzDecodeRecord ./collector/queue:FuzzReadSegment

## fuzz: run every fuzz target for FUZZTIME
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
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
