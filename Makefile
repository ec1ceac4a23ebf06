# golance — see README.md. Every target works on a fresh clone.
GO      ?= go
BIN     ?= bin
PKGS    := ./...
# Fuzz time per target for `make fuzz`.
FUZZTIME ?= 10s
# The version stamped into every binary (their --version) and the package:
# `git describe`, or 0.0.0-<commit> before the first tag, so that it always
# starts with a digit as a Debian version must.
GIT_TAG := $(shell git describe --tags --dirty 2>/dev/null)
GIT_REV := $(shell git describe --always --dirty 2>/dev/null)
VERSION ?= $(patsubst v%,%,$(or $(GIT_TAG),0.0.0-$(or $(GIT_REV),unknown)))
LDFLAGS := -X github.com/golance/golance/plugins/internal/cli.version=$(VERSION) $(EXTRA_LDFLAGS)
# make install: where, and under which root (DESTDIR, for a staged install).
PREFIX  ?= /usr/local
DESTDIR ?=
# make deb: nfpm, pinned and run from the Go module proxy like staticcheck
# (.ci/run fetches it before the tests), rather than a library in go.mod:
# its ~70 modules would join the module graph of every program that imports
# golance's SDK. The package goes into $(DIST); it is staged in $(DEB_STAGE).
NFPM_VERSION := v2.45.2
NFPM      ?= $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)
DIST      ?= dist
DEB_STAGE ?= $(DIST)/.deb-root
DEB_ARCH  ?= $(shell $(GO) env GOARCH)
# staticcheck, pinned: fetched from the Go module proxy and built once into
# Go's caches (.ci/run fetches it before the tests).
STATICCHECK_VERSION := v0.8.2
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: all build install deb test lint bench fuzz docs demo clean screenshot soak

all: build

# Static binaries: no libc, nothing to install beside them, and about a
# megabyte less resident memory per listener than with cgo.
build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# install: every binary into $(PREFIX)/bin and its man page into
# $(PREFIX)/share/man/man1, below $(DESTDIR) when it is set.
install: build
	install -d '$(DESTDIR)$(PREFIX)/bin' '$(DESTDIR)$(PREFIX)/share/man/man1'
	install -m 0755 $(BIN)/* '$(DESTDIR)$(PREFIX)/bin/'
	install -m 0644 docs/man/*.1 '$(DESTDIR)$(PREFIX)/share/man/man1/'

# deb: a Debian package of what `make install PREFIX=/usr` installs (every
# binary in /usr/bin, the man pages, compressed as Debian's policy asks),
# with every plugin's [eventlistener:x] sections (golance snippet) in
# /usr/share/doc/golance/examples; the version is $(VERSION). Its binaries
# are built without the symbol table and DWARF (-s -w), a third smaller;
# panics still name every function.
deb:
	rm -rf '$(DEB_STAGE)'
	$(MAKE) --no-print-directory install DESTDIR='$(abspath $(DEB_STAGE))' PREFIX=/usr EXTRA_LDFLAGS='-s -w' 
	'$(DEB_STAGE)/usr/bin/golance' snippet --dir '$(DEB_STAGE)/usr/share/doc/golance/examples'
	gzip -9n '$(DEB_STAGE)'/usr/share/man/man1/*.1
	@mkdir -p '$(DIST)'
	cd '$(DEB_STAGE)' && VERSION='$(VERSION)' DEB_ARCH='$(DEB_ARCH)' \
		$(NFPM) package --config '$(CURDIR)/packaging/nfpm.yaml' --packager deb --target '$(abspath $(DIST))/'
	rm -rf '$(DEB_STAGE)'

# lint: gofmt, go vet and staticcheck, clean over the tree.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(STATICCHECK) $(PKGS)

# test is what CI runs (.ci/run). Integration tests start the real
# supervisord; with CI=true a missing supervisord fails them.
# internal/testkit/resident watches every listener idle for five minutes
# (a whole period of the Go runtime's forced collections) and uses almost
# no CPU meanwhile: it runs beside the rest rather than in one of go test's
# two package slots, which it would hold for most of the run.
RESIDENT := ./internal/testkit/resident
test: lint
ifeq ($(PKGS),./...)
	@$(GO) test -count=1 -timeout 8m $(RESIDENT) & resident=$$!; \
	$(GO) test -count=1 -timeout 8m $$($(GO) list $(PKGS) | grep -vx 'github.com/golance/golance/internal/testkit/resident'); rest=$$?; \
	wait $$resident; res=$$?; [ $$rest -eq 0 ] && [ $$res -eq 0 ]
else
	$(GO) test -count=1 -timeout 8m $(PKGS)
endif

# bench: the serve loop in memory (ns and allocations per event), then the
# SDK against a C listener (built with cc when there is one) and Python's
# childutils over real pipes, driven by a lean dispatcher on one CPU
# (events/s, CPU per event, ratios). `go run ./internal/bench -h` for options.
# Then memmon's and httpok -E's tick under the real supervisord at 100/500/1000 processes,
# from supervisord's debug log, with the XML-RPC calls per tick.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./listener
	$(GO) run ./internal/bench
	$(GO) test -run '^$$' -bench . -benchmem ./plugins/exporter
	$(GO) test -run '^$$' -bench . -benchmem ./plugins/internal/outbox ./plugins/crashmail
	$(GO) test -run '^$$' -bench 'TickRealSupervisord' -benchtime 1x -timeout 20m ./plugins/memmon ./plugins/httpok

fuzz:
	@for target in $$($(GO) test -list '^Fuzz' ./listener | grep ^Fuzz); do \
		echo "== $$target"; \
		$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) ./listener || exit 1; \
	done

# demo: every listener at work under a real supervisord, with a live summary, essential last.
demo: build
	$(GO) build -o $(BIN)/.golance-demo ./internal/demo
	$(BIN)/.golance-demo -bin $(BIN)

clean:
	rm -rf $(BIN) $(DIST)

# Regenerates the flag references, man pages and embedded examples in
# docs/ and README.md; docs/docs_test.go fails when they are stale.
docs:
	$(GO) run ./internal/docgen/gendocs

# screenshot: the status page of supervisord_exporter with a crash loop,
# taken by headless Chromium, for docs/fleet.md.
screenshot:
	$(GO) test -count=1 -run 'TestIntegrationPrometheus/status' ./plugins/exporter -update-screenshot

# soak: the outbox's outage tests at full length, outside `make test`: the
# mail server, then Slack (500, then 429), down for five minutes while a
# program crashes every second (GOLANCE_OUTAGE sets the length).
soak:
	GOLANCE_OUTAGE=$${GOLANCE_OUTAGE:-5m} $(GO) test -count=1 -timeout 30m -run 'TestIntegrationOutage' -v ./plugins/crashmail
	GOLANCE_OUTAGE=$${GOLANCE_OUTAGE:-5m} $(GO) test -count=1 -timeout 30m -run 'TestIntegrationSlackOutage' -v ./plugins/slacknotify
