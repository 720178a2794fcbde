//go:build js && wasm

package docio

import (
	"bytes"
	"crypto"
	_ "crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall/js"
	"testing"
)

// loadFastHash compiles extension/hash/sha.wat with wat2wasm (through Node, since Go cannot start
// processes under js/wasm) and installs extension/hash/sha.mjs as the browser does.
func loadFastHash(t *testing.T) {
	t.Helper()
	if js.Global().Get("ponteHash").Truthy() {
		return
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	wat := filepath.Join(root, "extension", "hash", "sha.wat")
	out := filepath.Join(t.TempDir(), "sha.wasm")
	cp := js.Global().Call("require", "child_process")
	r := cp.Call("spawnSync", "wat2wasm", []any{wat, "-o", out}, map[string]any{"encoding": "utf8"})
	if r.Get("error").Truthy() || r.Get("status").Int() != 0 {
		msg := "wat2wasm (Debian package wabt) did not run: " + r.Get("stderr").String()
		if r.Get("error").Truthy() {
			msg += r.Get("error").Call("toString").String()
		}
		if os.Getenv("PONTE_INTEGRATION") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	code := `(async (mjs, wasm) => { const m = await import(mjs); await m.install(globalThis, require("fs").readFileSync(wasm)); })`
	if _, err := await(js.Global().Call("eval", code).Invoke("file://"+filepath.Join(root, "extension", "hash", "sha.mjs"), out)); err != nil {
		t.Fatal(err)
	}
	if !js.Global().Get("ponteHash").Truthy() {
		t.Fatal("sha.mjs installed no ponteHash")
	}
}

// TestBlobFastHash: ranges of a Blob hashed by the WebAssembly hasher (hashFast) give, for every SHA-2
// hash crypto/sha256 and crypto/sha512 make, the digest Go computes over the same bytes, whatever the
// bytes Go hashed before and after (the state goes to JavaScript and back), the range lengths (empty,
// under a block, across the 1 MB slices) and their order.
func TestBlobFastHash(t *testing.T) {
	loadFastHash(t)
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 9<<20+77)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	b, err := NewBlob(js.Global().Get("Blob").New([]any{bytesToJS(data)}))
	if err != nil {
		t.Fatal(err)
	}
	news := map[string]func() hash.Hash{"SHA-224": sha256.New224, "SHA-256": sha256.New,
		"SHA-384": sha512.New384, "SHA-512": sha512.New, "SHA-512/256": sha512.New512_256}
	for name, mk := range news {
		for round := range 12 {
			prefix := make([]byte, rng.IntN(300))
			suffix := make([]byte, rng.IntN(300))
			var ranges []Range
			for range rng.IntN(4) + 1 {
				var n int64
				switch rng.IntN(4) {
				case 0:
					n = 0
				case 1:
					n = rng.Int64N(200)
				default:
					n = rng.Int64N(int64(len(data)) / 2)
				}
				off := rng.Int64N(int64(len(data)) - n + 1)
				ranges = append(ranges, Range{off, n})
			}
			if round == 0 {
				ranges = []Range{{0, int64(len(data))}}
			}
			fast, want := mk(), mk()
			fast.Write(prefix)
			want.Write(prefix)
			done, err := hashFast(fast, b, ranges)
			if !done || err != nil {
				t.Fatalf("%s: hashFast %v %v", name, done, err)
			}
			fast.Write(suffix)
			for _, r := range ranges {
				want.Write(data[r.Off:r.End()])
			}
			want.Write(suffix)
			if !bytes.Equal(fast.Sum(nil), want.Sum(nil)) {
				t.Fatalf("%s: prefix %d, ranges %v, suffix %d: digest differs", name, len(prefix), ranges, len(suffix))
			}
		}
	}
	// A prehash (started when the file is chosen) gives the whole file's digest, also when another file
	// was chosen before (its prehash is cancelled) and when the first bytes came from Go (no prehash).
	other, _ := NewBlob(js.Global().Get("Blob").New([]any{bytesToJS(data[:3<<20])}))
	Prehash(other.v)
	Prehash(b.v)
	h := sha256.New()
	if err := HashRanges(h, other, Range{0, other.Size()}); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(data[:3<<20]); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("the other file, its prehash cancelled: digest differs")
	}
	for _, prefix := range [][]byte{nil, []byte("x")} {
		h = sha256.New()
		h.Write(prefix)
		if err := HashRanges(h, b, Range{0, b.Size()}); err != nil {
			t.Fatal(err)
		}
		if want := sha256.Sum256(append(prefix, data...)); !bytes.Equal(h.Sum(nil), want[:]) {
			t.Fatalf("prehash, prefix %q: digest differs", prefix)
		}
	}
	// Through HashRanges and a Section, as the signing and verifying packages call it.
	h = sha256.New()
	if err := HashRanges(h, NewSection(b, 5<<20), Range{1, 5<<20 - 1}); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(data[1 : 5<<20]); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("section: digest differs")
	}
	if err := HashRanges(sha256.New(), b, Range{b.Size() - 5, 10}); err == nil {
		t.Fatal("a range past the end accepted")
	}
	// Not a Blob, not a hash it knows: left to Go.
	if done, _ := hashFast(sha256.New(), Bytes(data), []Range{{0, 10}}); done {
		t.Fatal("hashFast took a Go byte slice")
	}
	if done, _ := hashFast(sha1New(), b, []Range{{0, 10}}); done {
		t.Fatal("hashFast took SHA-1")
	}
}

func sha1New() hash.Hash { return crypto.SHA1.New() }
