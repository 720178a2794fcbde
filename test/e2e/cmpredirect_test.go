package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCMPRedirectRefusedInBrowser: in the browser net/http goes through fetch(), which follows a 307
// itself, re-POSTing the CMP message (a prepaid password in regInfo) to the Location. The CMP client
// must refuse the redirect there too (invariant I6): the target receives nothing and the error is
// CMP_REDIRECT.
func TestCMPRedirectRefusedInBrowser(t *testing.T) {
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "cmp.wasm"), "./testdata/cmpredirect")
	build.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the wasm client: %v\n%s", err, out)
	}
	wasmExec, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		t.Fatal(err)
	}
	var followed atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/cmp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		followed.Add(1)
		http.Error(w, "not here", http.StatusNotFound)
	})
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(wasmExec)
	})
	mux.HandleFunc("/cmp.wasm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, filepath.Join(dir, "cmp.wasm"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><script src="/wasm_exec.js"></script><script>
const go = new Go();
WebAssembly.instantiateStreaming(fetch("/cmp.wasm"), go.importObject).then((r) => go.run(r.instance));
</script>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// A bare extension: browser.Start loads one.
	ext := t.TempDir()
	os.WriteFile(filepath.Join(ext, "manifest.json"), []byte(`{"manifest_version":3,"name":"vuota","version":"1"}`), 0o644)
	ctx := startBrowserWith(t, ext, "", nil)
	within(t, ctx, 30*time.Second, chromedp.Navigate(srv.URL+"/"))
	pctx, cancel := context.WithTimeout(ctx, 50*time.Second)
	defer cancel()
	result, err := chromedp.Run(pctx, chromedp.Poll[string](`window.cmpResult`))
	if err != nil {
		t.Fatalf("the wasm client gave no outcome: %v", err)
	}
	if n := followed.Load(); n != 0 || result != "CMP_REDIRECT" {
		t.Fatalf("the redirect target received %d requests; the client's outcome %q, want CMP_REDIRECT", n, result)
	}
}
