# Ponte. `make demo` runs the renewal on the embedded default; `make test` runs every test.
# Both install what they need first (scripts/deps.sh).

GO       ?= go
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/ponte-it/ponte/internal/buildinfo.Version=$(VERSION)
BUILD    := build
GOROOT   := $(shell $(GO) env GOROOT)

.PHONY: all deps build host wasm extension test unit fuzz bench demo install uninstall dist clean

all: build

deps:
	scripts/deps.sh

build: host wasm extension

host:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BUILD)/ponte-host ./host

wasm:
	mkdir -p $(BUILD)/extension
	GOOS=js GOARCH=wasm $(GO) build -ldflags '$(LDFLAGS) -s -w' -o $(BUILD)/extension/ponte.wasm ./wasm
	cp $(GOROOT)/lib/wasm/wasm_exec.js $(BUILD)/extension/wasm_exec.js

extension: wasm
	$(GO) run ./scripts/stamp -version '$(VERSION)' -src extension -dst $(BUILD)/extension

# Every test: unit, integration with real pcscd/SoftHSM2/OpenSC/openssl, and real-browser tests.
# PONTE_INTEGRATION=1 turns a missing tool into a failure instead of a skip.
test: deps build
	$(GO) vet ./...
	PONTE_INTEGRATION=1 PONTE_BUILD=$(CURDIR)/$(BUILD) $(GO) test -count=1 -timeout 25m ./...
	scripts/fuzz.sh

unit:
	$(GO) test ./...

fuzz:
	FUZZTIME=$${FUZZTIME:-60s} scripts/fuzz.sh

demo: deps build
	scripts/demo.sh

install: build
	$(BUILD)/ponte-host install

uninstall: build
	$(BUILD)/ponte-host uninstall

clean:
	rm -rf $(BUILD) dist test/artefacts
