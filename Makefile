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

.PHONY: all deps build host wasm extension test unit fuzz bench demo install uninstall dist docs clean FORCE
# A recipe that fails half-way (e.g. after go build, listing its inputs) leaves no output that looks current.
.DELETE_ON_ERROR:

all: build

deps:
	scripts/deps.sh

build: host

# Each output is rebuilt only when its inputs changed: what a Go output is built from is listed by
# scripts/godeps.sh into a .d file next to it at each build (none before the first, when all is built);
# $(BUILD)/version changes with the version (a commit), which every output carries. Every binary is built
# with -trimpath (no builder's paths in it). Nothing is written outside $(BUILD).
GOBUILD  := $(GO) build -trimpath
EXT      := $(BUILD)/extension
# ponte-host embeds the built UI for `ponte-host serve` (host/webui) through this go build overlay.
OVERLAY  := $(BUILD)/webui-overlay.json
-include $(BUILD)/ponte-host.d $(BUILD)/ponte.wasm.d $(BUILD)/cards.wasm.d $(BUILD)/stamp.d

# The UI's modules (wasm/main.go): ponte.wasm, every screen; cards.wasm, the card list (-tags cards).
MODULES  := $(EXT)/ponte.wasm $(EXT)/cards.wasm

host: $(BUILD)/ponte-host
wasm: $(MODULES) $(EXT)/wasm_exec.js $(EXT)/hash/sha.wasm
extension: $(BUILD)/extension.stamp

$(BUILD)/version: FORCE
	@mkdir -p $(@D) && echo '$(VERSION) $(NUMERIC)' | cmp -s - $@ || echo '$(VERSION) $(NUMERIC)' > $@

$(BUILD)/ponte-host: $(BUILD)/extension.stamp $(BUILD)/version
	$(GOBUILD) -overlay $(OVERLAY) -ldflags '$(LDFLAGS)' -o $@ ./host
	scripts/godeps.sh $@ ./host > $@.d

$(EXT)/ponte.wasm: TAGS :=
$(EXT)/cards.wasm: TAGS := cards
$(MODULES): $(BUILD)/version
	mkdir -p $(@D)
	GOOS=js GOARCH=wasm $(GOBUILD) -tags '$(TAGS)' -ldflags '$(LDFLAGS) -s -w' -o $@ ./wasm
	GOOS=js GOARCH=wasm GOFLAGS=-tags=$(TAGS) scripts/godeps.sh $@ ./wasm > $(BUILD)/$(@F).d

$(EXT)/wasm_exec.js: $(GOROOT)/lib/wasm/wasm_exec.js
	mkdir -p $(@D) && cp $< $@

$(EXT)/hash/sha.wasm: extension/hash/sha.wat
	mkdir -p $(@D) && wat2wasm $< -o $@

# The stamped folders (and the overlay) are made from extension/ and the built modules.
$(BUILD)/extension.stamp: $(shell find extension/. -mindepth 1) extension/. $(MODULES) $(EXT)/wasm_exec.js $(EXT)/hash/sha.wasm $(BUILD)/version
	$(GO) run -trimpath ./scripts/stamp -version '$(VERSION)' -numeric '$(NUMERIC)' -src extension -dst $(EXT) \
		-firefox $(BUILD)/extension-firefox -overlay $(OVERLAY)
	scripts/godeps.sh $@ ./scripts/stamp > $(BUILD)/stamp.d
	touch $@

# Every test: unit, integration with real pcscd/SoftHSM2/OpenSC/openssl, and real-browser tests.
# PONTE_INTEGRATION=1 turns a missing tool into a failure instead of a skip.
test: deps build
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet $(addprefix ./,$(JSPKGS))
	GOOS=js GOARCH=wasm $(GO) vet -tags cards ./wasm
	PONTE_INTEGRATION=1 PONTE_BUILD=$(CURDIR)/$(BUILD) $(GO) test -count=1 -timeout 45m ./...
	# The code that reads a browser File/Blob, run as WebAssembly under Node.
	GOOS=js GOARCH=wasm $(GO) test -count=1 -exec=$(GOROOT)/lib/wasm/go_js_wasm_exec -run 'Blob|WASM' ./internal/docio ./internal/pades
	scripts/fuzz.sh

unit:
	$(GO) test ./...

fuzz:
	FUZZTIME=$${FUZZTIME:-60s} scripts/fuzz.sh
	# The renewal's whole fault matrix (make test runs its pairwise cover): docs/renewal.md.
	PONTE_MATRIX=full $(GO) test -count=1 -timeout 90m -run TestFaultMatrix ./internal/renew

# The UI's module sizes and first-screen times (app.html, the popup, a plain-JS floor; BENCHFLAGS="-sign=false"
# for these alone). Signs 10, 100, 200 and 500 MB PDFs in headless Chromium, natively, with @signpdf/signpdf (Node) and, when
# PDFSIGN names its program, with digitorus/pdfsign: time, peak memory (docs/signing.md).
bench: deps build
	scripts/deps.sh bench
	$(GO) run -trimpath ./test/bench -build $(BUILD) $(if $(PDFSIGN),-pdfsign $(PDFSIGN)) $(BENCHFLAGS)

demo: deps build
	$(GO) run -trimpath ./cmd/ponte-demo -build $(BUILD) $(if $(HEADLESS),-headless)

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

# Also removes the copies of the UI that Makefiles before the overlay left in host/webui/dist.
clean:
	rm -rf $(BUILD) dist test/artefacts
	find host/webui/dist -mindepth 1 ! -name .gitkeep -delete
