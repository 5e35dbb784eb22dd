# kith — everyday tasks. Plain POSIX make; every target runs from the
# module root. Override variables on the command line:
#
#   make fuzz FUZZTIME=5m
#   make bench BENCHSIZE=large
#
# Targets:
#   build        build bin/kith
#   test         go test -race ./...  (the README's test command; see RACEFLAGS)
#   check        gofmt, go vet, staticcheck, then test (what CI runs)
#   fuzz         run every Fuzz* target in the repository for FUZZTIME each
#   bench        go benchmarks, then the bench/ programs (import, sync,
#                reconnect, live), sized by BENCHSIZE: small (10k entries,
#                10 logs, default), medium (100k, 100) or large (1M, 1000;
#                10,000 logs for reconnect, 10 nodes for live)
#   staticcheck  install staticcheck STATICCHECK_VERSION if it is missing
#   release      static binaries for RELEASE_TARGETS in dist/ (kith-OS-ARCH),
#                with SHA-256 sums; each is checked to be a Go binary for its
#                target, and the one for this machine to start (a linux
#                binary for another architecture too, under qemu-user-static
#                when it is installed; the rest say they were not started)
#   peer         the browser peer (doc/browser.md) in build/peer: kith's Go
#                compiled to WebAssembly, Go's wasm_exec.js, the page, and its
#                js-libp2p bundle (npm ci in web/peer first); serve it with
#                kith serve --peer-dir build/peer, at /peer/
#   clean        remove bin/ and dist/

.POSIX:

GO = go
FUZZTIME = 30s
BENCHSIZE = small
STATICCHECK_VERSION = 0.8.2

# The README's test command (CI runs it too): the race detector over kith's
# code and the SQLite driver (modernc.org/sqlite), not over the SQLite library
# it drives (modernc.org/sqlite/lib, C translated to Go, with modernc.org/libc
# and modernc.org/memory), whose memory is its own C heap that kith's code never
# shares: instrumenting it made the tests use 2.5-3.4 times the CPU. checkptr
# (which -race turns on) is off in the driver: its checks of the translated C's
# pointer arithmetic made statement preparation half of a test's CPU. See the
# README's Development section.
RACEFLAGS = -race -gcflags=modernc.org/...=-race=false -gcflags=modernc.org/sqlite=-d=checkptr=0

# Shell snippet (for recipes) that puts the go install directory first on
# PATH, so the staticcheck installed by `make staticcheck` is the one used.
GOBINPATH = gobin=$$($(GO) env GOBIN); [ -n "$$gobin" ] || gobin=$$($(GO) env GOPATH | cut -d: -f1)/bin; PATH="$$gobin:$$PATH"; export PATH

all: build

build:
	$(GO) build -o bin/kith ./cmd/kith

test:
	$(GO) test $(RACEFLAGS) ./...

check: staticcheck
	@echo '== gofmt -l .'; \
	files=$$(gofmt -l .) || exit 1; \
	if [ -n "$$files" ]; then \
		echo 'these files need gofmt -w:'; echo "$$files"; exit 1; \
	fi
	$(GO) vet ./...
	@$(GOBINPATH); echo '== staticcheck ./...'; staticcheck ./...
	$(GO) test $(RACEFLAGS) ./...

# Lists the fuzz targets of every package ("go test -list" prints the names,
# then "ok <package>"), then fuzzes each one for FUZZTIME. Fails if listing
# fails (a package does not compile) or any target finds a crasher; a
# crasher is written to the package's testdata/fuzz/<Target>/ directory.
# A run that fails without writing one is Go's fuzzing coordinator racing
# its own -fuzztime deadline ("context deadline exceeded", golang/go#75804,
# fixed in Go 1.27): it is reported and not counted as a finding.
FUZZLIST_AWK = /^Fuzz/ { n[++c] = $$1; next } /^ok/ { for (i = 1; i <= c; i++) print $$2, n[i] } { c = 0 }

fuzz:
	@list=$$(mktemp) || exit 1; \
	trap 'rm -f "$$list"' EXIT; \
	if ! $(GO) test -list '^Fuzz' ./... >"$$list" 2>&1; then \
		cat "$$list"; echo 'fuzz: listing fuzz targets failed'; exit 1; \
	fi; \
	targets=$$(awk '$(FUZZLIST_AWK)' "$$list"); \
	if [ -z "$$targets" ]; then echo 'fuzz: no fuzz targets found'; exit 0; fi; \
	echo "$$targets" | while read -r pkg target; do \
		echo "== fuzz $$pkg $$target for $(FUZZTIME)"; \
		dir=$$($(GO) list -f '{{.Dir}}' "$$pkg")/testdata/fuzz/$$target; \
		before=$$(ls "$$dir" 2>/dev/null | wc -l); \
		if ! $(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) "$$pkg"; then \
			if [ "$$(ls "$$dir" 2>/dev/null | wc -l)" -gt "$$before" ]; then exit 1; fi; \
			echo "fuzz: $$target failed without writing a crasher: the deadline race of Go's fuzzing coordinator (golang/go#75804), not a finding"; \
		fi; \
	done

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...
	@case "$(BENCHSIZE)" in \
	small) size='-entries=10000 -logs=10'; rl=1000; nodes=3 ;; \
	medium) size='-entries=100000 -logs=100'; rl=5000; nodes=5 ;; \
	large) size='-entries=1000000 -logs=1000'; rl=10000; nodes=10 ;; \
	*) echo 'bench: BENCHSIZE must be small, medium or large'; exit 1 ;; \
	esac; \
	set -e; \
	echo "== go run ./bench/import $$size"; $(GO) run ./bench/import $$size; \
	echo "== go run ./bench/sync $$size"; $(GO) run ./bench/sync $$size; \
	echo "== go run ./bench/reconnect -logs $$rl"; $(GO) run ./bench/reconnect -logs $$rl; \
	echo "== go run ./bench/live -nodes $$nodes"; $(GO) run ./bench/live -nodes $$nodes

staticcheck:
	@$(GOBINPATH); \
	if staticcheck -version 2>/dev/null | grep -q '($(STATICCHECK_VERSION))'; then \
		echo "staticcheck v$(STATICCHECK_VERSION): $$(command -v staticcheck)"; \
	else \
		echo "installing staticcheck v$(STATICCHECK_VERSION) into $$gobin"; \
		$(GO) install honnef.co/go/tools/cmd/staticcheck@v$(STATICCHECK_VERSION); \
	fi

RELEASE_TARGETS = linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

release:
	rm -rf dist && mkdir -p dist
	@set -e; host=$$($(GO) env GOOS)/$$($(GO) env GOARCH); \
	for t in $(RELEASE_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; [ "$$os" = windows ] && ext=.exe; \
		out=dist/kith-$$os-$$arch$$ext; \
		echo "building $$out"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '-s -w' -o $$out ./cmd/kith; \
		$(GO) version -m $$out | grep -q "GOOS=$$os" && $(GO) version -m $$out | grep -q "GOARCH=$$arch" || { echo "$$out is not a $$t binary"; exit 1; }; \
		if [ "$$t" = "$$host" ]; then $$out --version || { echo "$$out does not start"; exit 1; }; \
		elif [ "$$os" = linux ] && q=$$(command -v qemu-$$(case $$arch in (amd64) echo x86_64;; (arm64) echo aarch64;; (*) echo $$arch;; esac)-static); then \
			$$q $$out --version || { echo "$$out does not start under $$q"; exit 1; }; \
		else echo "$$out: not started (no way to run $$t here)"; fi; \
	done; \
	cd dist && sha256sum kith-* > SHA256SUMS && cat SHA256SUMS

peer:
	mkdir -p build/peer
	GOOS=js GOARCH=wasm CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o build/peer/kith.wasm ./cmd/kith-wasm
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" web/peer/index.html web/peer/app.js web/peer/space.js web/peer/village.js web/peer/blobs.js web/peer/offline.js web/peer/sw.js web/peer/manifest.json web/peer/icon.svg web/peer/peer.css build/peer/
	cd web/peer && npm ci --no-audit --no-fund && ./node_modules/.bin/esbuild net.js --bundle --format=esm --minify --legal-comments=none --target=es2022 --log-level=warning --outfile=../../build/peer/net.js

clean:
	rm -rf bin dist

.PHONY: all build test check fuzz bench staticcheck release peer clean
