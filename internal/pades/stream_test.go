package pades

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"github.com/ponte-it/ponte/internal/signerr"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// bigPDF writes a PDF of about mb megabytes (one padded content stream) in style to dir.
func bigPDF(tb testing.TB, dir, style string, mb int) string {
	tb.Helper()
	name := filepath.Join(dir, fmt.Sprintf("%s-%dMB.pdf", style, mb))
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := writeGenPDF(f, style, int64(mb)<<20); err != nil {
		tb.Fatal(err)
	}
	return name
}

// TestStreamingMemory signs and verifies a 64 MB file read from disk and checks that the heap
// allocated during the whole operation stays under 8 MB: the document is read in chunks, never held.
func TestStreamingMemory(t *testing.T) {
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	for _, style := range []string{"table", "stream"} {
		src, err := docio.OpenFile(bigPDF(t, dir, style, 64))
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		res, err := Sign(context.Background(), src, pki.Signer.Key, Options{Chain: pki.Signer.Chain})
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Fatalf("%s: signing a %d MB file allocated %d MB", style, src.Size()>>20, alloc>>20)
		}
		// Write the signed file by streaming the parts, then verify it (also streamed).
		out := filepath.Join(dir, style+"-signed.pdf")
		w, _ := os.Create(out)
		if err := docio.WriteParts(w, src, res.Parts); err != nil {
			t.Fatal(err)
		}
		w.Close()
		signed, _ := docio.OpenFile(out)
		defer signed.Close()
		runtime.GC()
		runtime.ReadMemStats(&before)
		rep, err := Verify(signed, cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
		runtime.ReadMemStats(&after)
		if err != nil || len(rep.Signatures) != 1 || !rep.Signatures[0].Valid() || !rep.Signatures[0].CoversWholeFile {
			t.Fatalf("%v %+v", err, rep)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Fatalf("%s: verifying allocated %d MB", style, alloc>>20)
		}
	}
}

// BenchmarkSignPDF signs generated 10 and 100 MB files (or the sizes in PONTE_BENCH_MB) from disk (Prepare + one RSA-2048 signature +
// Finish); MB/s comes from SetBytes, allocations from ReportAllocs.
func BenchmarkSignPDF(b *testing.B) {
	pki := signtest.NewPKI(b)
	dir := b.TempDir()
	sizes := []int{10, 100}
	if env := os.Getenv("PONTE_BENCH_MB"); env != "" { // e.g. PONTE_BENCH_MB=500
		sizes = nil
		for _, f := range strings.Split(env, ",") {
			if n, err := strconv.Atoi(f); err == nil && n > 0 {
				sizes = append(sizes, n)
			}
		}
	}
	for _, mb := range sizes {
		src, err := docio.OpenFile(bigPDF(b, dir, "table", mb))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			b.SetBytes(src.Size())
			b.ReportAllocs()
			var peak uint64
			for i := 0; i < b.N; i++ {
				p, err := Prepare(context.Background(), src, Options{Chain: pki.Signer.Chain})
				if err != nil {
					b.Fatal(err)
				}
				sig, _ := pki.Signer.Key.Sign(rand.Reader, p.Digest(), p.SignerOpts())
				if _, err := p.Finish(context.Background(), sig); err != nil {
					b.Fatal(err)
				}
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
			b.ReportMetric(float64(peak)/(1<<20), "MB-heap-in-use")
		})
		src.Close()
	}
}

// flakyTSA answers the size probe, then fails once.
type flakyTSA struct {
	inner cms.TimeStamper
	calls int
}

func (f *flakyTSA) TimeStamp(ctx context.Context, d []byte) ([]byte, error) {
	f.calls++
	if f.calls == 2 {
		return nil, fmt.Errorf("TSA unreachable")
	}
	return f.inner.TimeStamp(ctx, d)
}

// TestTimeStampFailureNeedsNoSecondSignature: when the TSA fails after the card signed, Finish reports
// TIMESTAMP and can be retried with the same signature (B-T), or finished without the time stamp (B-B):
// the card signs once in every case.
func TestTimeStampFailureNeedsNoSecondSignature(t *testing.T) {
	pki := signtest.NewPKI(t)
	anchors := cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}}
	for _, retry := range []bool{true, false} {
		tsa := &flakyTSA{inner: startTSA(t, pki)}
		data := genPDF("table")
		p, err := Prepare(context.Background(), docio.Bytes(data), Options{Chain: pki.Signer.Chain, TimeStamper: tsa})
		if err != nil {
			t.Fatal(err)
		}
		sig, err := pki.Signer.Key.Sign(rand.Reader, p.Digest(), p.SignerOpts())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Finish(context.Background(), sig); signerr.CodeOf(err) != signerr.TimeStamp {
			t.Fatalf("want TIMESTAMP, got %v", err)
		}
		if !retry {
			p.DropTimeStamp()
		}
		res, err := p.Finish(context.Background(), sig)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		docio.WriteParts(&buf, docio.Bytes(data), res.Parts)
		rep, err := Verify(docio.Bytes(buf.Bytes()), anchors)
		if err != nil || len(rep.Signatures) != 1 || !rep.Signatures[0].Valid() {
			t.Fatalf("%v %+v", err, rep)
		}
		if stamped := !rep.Signatures[0].TimeStamp.IsZero(); stamped != retry {
			t.Fatalf("retry=%v: time stamped %v", retry, stamped)
		}
	}
}
