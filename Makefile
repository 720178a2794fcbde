# Ponte. `make demo` runs the renewal on the embedded default; `make test` runs every test.
# Both install what they need first (scripts/deps.sh).

GO       ?= go
VERSION  := $(shell scripts/version.sh)
NUMERIC  := $(shell scripts/version.sh numeric)
LDFLAGS  := -X github.com/ponte-it/ponte/internal/buildinfo.Version=$(VERSION)
BUILD    := build
GOROOT   := $(shell $(GO) env GOROOT)
# The packages with files built only for (or only not for) js/wasm: `go vet ./...` sees them as native only, so
# `make test` vets them again as built for the browser.
SRCDIRS  := cmd examples host internal scripts test wasm
JSPKGS    = $(sort $(dir $(shell grep -rlE --include='*.go' '^//go:build.*\<js\>' $(SRCDIRS); \
	find $(SRCDIRS) -name '*_js.go' -o -name '*_js_test.go' -o -name '*_wasm.go' -o -name '*_wasm_test.go')))

.PHONY: all deps build host wasm extension test unit fuzz bench demo install uninstall dist docs clean

all: build

deps:
	scripts/deps.sh

build: host

# The host embeds the built UI for `ponte-host serve`, so the extension is built first.
host: extension
	rm -rf host/webui/dist && mkdir -p host/webui/dist && cp -r $(BUILD)/extension/. host/webui/dist/ && touch host/webui/dist/.gitkeep
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BUILD)/ponte-host ./host

wasm:
	mkdir -p $(BUILD)/extension
	GOOS=js GOARCH=wasm $(GO) build -ldflags '$(LDFLAGS) -s -w' -o $(BUILD)/extension/ponte.wasm ./wasm
	cp $(GOROOT)/lib/wasm/wasm_exec.js $(BUILD)/extension/wasm_exec.js
	mkdir -p $(BUILD)/extension/hash && wat2wasm extension/hash/sha.wat -o $(BUILD)/extension/hash/sha.wasm

extension: wasm
	$(GO) run ./scripts/stamp -version '$(VERSION)' -numeric '$(NUMERIC)' -src extension -dst $(BUILD)/extension -firefox $(BUILD)/extension-firefox

# Every test: unit, integration with real pcscd/SoftHSM2/OpenSC/openssl, and real-browser tests.
# PONTE_INTEGRATION=1 turns a missing tool into a failure instead of a skip.
test: deps build
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(addprefix ./,$(JSPKGS))
	PONTE_INTEGRATION=1 PONTE_BUILD=$(CURDIR)/$(BUILD) $(GO) test -count=1 -timeout 45m ./...
	# The code that reads a browser File/Blob, run as WebAssembly under Node.
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec=$(GOROOT)/lib/wasm/go_js_wasm_exec -run 'Blob|WASM' ./internal/docio ./internal/pades
	scripts/fuzz.sh

unit:
	$(GO) test ./...

fuzz:
	FUZZTIME=$${FUZZTIME:-60s} scripts/fuzz.sh

# Signs 10, 100, 200 and 500 MB PDFs in headless Chromium, natively, with @signpdf/signpdf (Node) and, when
# PDFSIGN names its program, with digitorus/pdfsign: time, peak memory (docs/signing.md).
bench: deps build
	scripts/deps.sh bench
	$(GO) run ./test/bench -build $(BUILD) $(if $(PDFSIGN),-pdfsign $(PDFSIGN))

demo: deps build
	$(GO) run ./cmd/ponte-demo -build $(BUILD) $(if $(HEADLESS),-headless)

# Packages for users: .deb, store zip, Firefox .xpi, Windows/macOS host archives (docs/install.md).
dist: build
	scripts/dist.sh $(BUILD) $(VERSION)

install: build
	$(BUILD)/ponte-host install

uninstall: build
	$(BUILD)/ponte-host uninstall

# Regenerates the documents made from code tables (docs/protocol.md).
docs:
	PONTE_UPDATE_DOCS=1 $(GO) test -count=1 -run 'DocIsCurrent' ./...

clean:
	rm -rf $(BUILD) dist test/artefacts
