// Package testkit is the parent of Ponte's test kit: the virtual TS-CNS (virtualcard on vpcd, softcard on
// SoftHSM2), a private pcscd, the testbed that wires a card, a CA and a built ponte-host together, the
// real-browser drivers (browser for Chromium, firefox over WebDriver BiDi), the PKI and trusted-list
// fixtures (signtest, tsltest, catest) and the helpers that find real tools (testenv, testproc).
//
// Tests, `make demo` and the kit's own commands (cmd/ponte-demo, cmd/ponte-softcard,
// cmd/ponte-virtualcard) import it; the product never does. TestProductDoesNotImportTestKit holds that
// promise over the import graph of every product package, on every platform the product is built for.
package testkit
