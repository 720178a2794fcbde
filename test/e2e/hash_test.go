package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ponte-it/ponte/internal/testkit/browser"
)

// hashCase is one hash continued over ranges of a Blob by the page's hasher (extension/hash), as
// internal/docio hands it over: the initial state comes from Go's hash after writing prefix.
type hashCase struct {
	New    func() hash.Hash
	Alg    int
	Prefix int
	Ranges []int64 // off, len, off, len…
}

// TestBrowserHashWorker: in Chromium the extension's pages hash Blobs in a Web Worker (hash/worker.mjs
// over sha.wasm) while the page reads the Blob's stream; the state it hands back after ranges of a Blob
// (across the 1 MB buffers, empty, under a block, several) is exactly the state Go's crypto/sha256 and
// crypto/sha512 reach over the same bytes.
func TestBrowserHashWorker(t *testing.T) {
	build := built(t)
	ctx := startBrowser(t, build, "")
	within(t, ctx, time.Minute, chromedp.Navigate(browser.ExtensionURL("sign.html")))
	script, check := hashWorkerCheck()
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	got, err := chromedp.Run(tctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	check(t, got)
}

// TestFirefoxHashWorker: the same in Firefox's flavour of the extension.
func TestFirefoxHashWorker(t *testing.T) {
	b := startFirefox(t, built(t), t.TempDir())
	ffWait(t, b, "sign.html", "#app")
	script, check := hashWorkerCheck()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	raw, err := b.Eval(ctx, script)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	check(t, got)
}

// hashWorkerCheck is the page's script for the two tests above and the check of its answer.
func hashWorkerCheck() (string, func(*testing.T, string)) {
	const size = 9<<20 + 1234
	data := make([]byte, size) // the same bytes as the page's make() below
	for i := range data {
		data[i] = byte((uint32(i) * 2654435761) >> 24)
	}
	cases := []hashCase{
		{sha256.New, 256, 0, []int64{0, size}},
		{sha256.New, 256, 17, []int64{5, 4<<20 + 3, 9<<20 + 10, 0, 100, 63}},
		{sha256.New224, 256, 64, []int64{size - 1, 1}},
		{sha512.New, 512, 129, []int64{3, 8<<20 + 1, 0, 127}},
		{sha512.New384, 512, 0, []int64{1, size - 1}},
	}
	type state struct {
		H, Pending string
		Length     float64
	}
	var calls []string
	var want []state
	for _, c := range cases {
		h := c.New()
		h.Write(bytes.Repeat([]byte{'p'}, c.Prefix))
		st, _ := h.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
		hsize, block := 32, 64
		if c.Alg == 512 {
			hsize, block = 64, 128
		}
		length := uint64(c.Prefix)
		calls = append(calls, fmt.Sprintf(`[%d, "%x", %d, "%x", %s]`, c.Alg, st[4:4+hsize], length,
			st[4+hsize:4+hsize+int(length)%block], must(json.Marshal(c.Ranges))))
		for i := 0; i < len(c.Ranges); i += 2 {
			h.Write(data[c.Ranges[i] : c.Ranges[i]+c.Ranges[i+1]])
			length += uint64(c.Ranges[i+1])
		}
		st, _ = h.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
		want = append(want, state{H: hex.EncodeToString(st[4 : 4+hsize]),
			Pending: hex.EncodeToString(st[4+hsize : 4+hsize+int(length)%block]), Length: float64(length)})
	}
	// The last two: the prehashed whole file, and the other file.
	h0 := calls[0][len("[256, \""):][:64]
	for _, d := range [][]byte{data, data[:3<<20]} {
		st := h256(d)
		want = append(want, state{H: hex.EncodeToString(st[4:36]), Pending: hex.EncodeToString(st[36 : 36+len(d)%64]), Length: float64(len(d))})
	}
	script := fmt.Sprintf(`(async () => {
		await ponteHashReady;
		if (!globalThis.ponteHash || !ponteHash.worker) throw new Error("no hashing worker: " + typeof ponteHash);
		const data = new Uint8Array(%d);
		for (let i = 0; i < data.length; i++) data[i] = Math.imul(i, 2654435761) >>> 24;
		const blob = new Blob([data]);
		const bin = (s) => Uint8Array.from(s.match(/../g) || [], (x) => parseInt(x, 16));
		const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
		const out = [];
		for (const [alg, h, length, pending, ranges] of [%s]) {
			const st = await ponteHash.hashRanges(alg, bin(h), length, bin(pending), blob, ranges);
			out.push({H: hex(st.h), Pending: hex(st.pending), Length: st.length});
		}
		// A file chosen, then another: the first one's prehash is cancelled, the second one's is used, and
		// both hash right.
		const other = new Blob([data.subarray(0, 3 << 20)]);
		ponteHash.prehash(blob);
		ponteHash.prehash(other);
		for (const b of [blob, other]) {
			const st = await ponteHash.hashRanges(256, bin(%[3]q), 0, new Uint8Array(0), b, [0, b.size]);
			out.push({H: hex(st.h), Pending: hex(st.pending), Length: st.length});
		}
		let refused = false;
		try { await ponteHash.hashRanges(256, bin(%[3]q), 0, new Uint8Array(0), blob, [data.length - 5, 10]); } catch (e) { refused = true; }
		if (!refused) throw new Error("a range past the end was hashed");
		return JSON.stringify(out);
	})()`, size, strings.Join(calls, ", "), h0)
	return script, func(t *testing.T, got string) {
		t.Helper()
		var states []state
		if err := json.Unmarshal([]byte(got), &states); err != nil || len(states) != len(want) {
			t.Fatalf("%v: %s", err, got)
		}
		for i := range want {
			if states[i] != want[i] {
				t.Errorf("case %d: got %+v, want %+v", i, states[i], want[i])
			}
		}
	}
}

func must(b []byte, err error) string {
	if err != nil {
		panic(err)
	}
	return string(b)
}

// h256 is the marshaled state of Go's SHA-256 after d.
func h256(d []byte) []byte {
	h := sha256.New()
	h.Write(d)
	st, _ := h.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
	return st
}
