package testkit

import (
	"slices"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

const module = "github.com/ponte-it/ponte/"

// kitCommands are the main packages that belong to the kit: they provision and drive virtual cards for
// tests and `make demo` and are never shipped.
var kitCommands = []string{"cmd/ponte-demo", "cmd/ponte-softcard", "cmd/ponte-virtualcard"}

// mustBeProduct are product packages the check has to see, so that a change in how roots are found
// cannot make the test pass by checking nothing.
var mustBeProduct = []string{"cmd/ponte", "cmd/ponte-ca", "host", "wasm"}

// isKitOrTests reports whether a package of the module is the kit, one of its commands, or a test-only
// tree (test/e2e, test/js, test/bench drive browsers with the kit by design).
func isKitOrTests(rel string) bool {
	return rel == "internal/testkit" || strings.HasPrefix(rel, "internal/testkit/") ||
		strings.HasPrefix(rel, "test/") || slices.Contains(kitCommands, rel)
}

// productRoots lists the module's packages that are product code for one platform: every package except
// the kit and the test trees.
func productRoots(t *testing.T, env []string, pattern string) []string {
	t.Helper()
	var roots []string
	for _, p := range strings.Fields(testenv.Go(t, env, "list", "-f", "{{.ImportPath}}", pattern)) {
		if rel := strings.TrimPrefix(p, module); !isKitOrTests(rel) {
			roots = append(roots, p)
		}
	}
	return roots
}

// kitImports returns, over the non-test dependencies of roots, every import of a test-kit package by a
// package outside the kit, as "importer -> kit package" (go list -deps leaves _test.go files out, which is
// the point: tests may import the kit, the product may not).
func kitImports(t *testing.T, env []string, roots []string) []string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}"}, roots...)
	var edges []string
	for _, line := range strings.Split(strings.TrimSpace(testenv.Go(t, env, args...)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || isKitOrTests(strings.TrimPrefix(f[0], module)) {
			continue
		}
		for _, imp := range f[1:] {
			if rel := strings.TrimPrefix(imp, module); rel == "internal/testkit" || strings.HasPrefix(rel, "internal/testkit/") {
				edges = append(edges, f[0]+" -> "+imp)
			}
		}
	}
	return edges
}

// TestProductDoesNotImportTestKit: no product package — the host, the command line, ponte-ca, the WASM
// module and every library they use — depends on internal/testkit, on Linux, macOS and Windows, and the
// WASM module on js/wasm. A card simulator or a test CA linked into a shipped binary would be code the
// user runs that no one meant to ship.
func TestProductDoesNotImportTestKit(t *testing.T) {
	testenv.Tool(t, "go")
	seen := map[string]bool{}
	for _, p := range []struct{ goos, goarch, pattern string }{
		{"linux", "amd64", "./..."},
		{"darwin", "arm64", "./..."},
		{"windows", "amd64", "./..."},
		{"js", "wasm", "./wasm/..."},
	} {
		env := []string{"GOOS=" + p.goos, "GOARCH=" + p.goarch}
		roots := productRoots(t, env, p.pattern)
		for _, r := range roots {
			seen[strings.TrimPrefix(r, module)] = true
		}
		if edges := kitImports(t, env, roots); len(edges) > 0 {
			t.Errorf("%s/%s: product code imports the test kit:\n%s", p.goos, p.goarch, strings.Join(edges, "\n"))
		}
	}
	for _, want := range mustBeProduct {
		if !seen[want] {
			t.Errorf("%s was not checked as a product package", want)
		}
	}
}

// TestKitCommandsAreSeenAsKit: every command exempted as part of the kit really uses it, so the exemption
// list holds no stale entry that could hide a product command.
func TestKitCommandsAreSeenAsKit(t *testing.T) {
	testenv.Tool(t, "go")
	for _, c := range kitCommands {
		if deps := testenv.Go(t, nil, "list", "-deps", module+c); !strings.Contains(deps, module+"internal/testkit/") {
			t.Errorf("%s: no test-kit dependency found; the kit command list or the detector is wrong", c)
		}
	}
}
