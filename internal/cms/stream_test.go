package cms

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// TestStreamingP7M: a 64 MB file becomes a .p7m, gets a parallel signature and is verified, all from
// disk, with under 8 MB allocated per step: the content is never held in memory.
func TestStreamingP7M(t *testing.T) {
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "big.bin")
	f, _ := os.Create(in)
	chunk := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		rand.Read(chunk)
		f.Write(chunk)
	}
	f.Close()
	src, err := docio.OpenFile(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	measure := func(step string, fn func()) {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		fn()
		runtime.ReadMemStats(&b)
		if d := b.TotalAlloc - a.TotalAlloc; d > 8<<20 {
			t.Fatalf("%s allocated %d MB", step, d>>20)
		}
	}
	write := func(name string, src docio.Source, parts []docio.Part) *docio.File {
		p := filepath.Join(dir, name)
		w, _ := os.Create(p)
		if err := docio.WriteParts(w, src, parts); err != nil {
			t.Fatal(err)
		}
		w.Close()
		out, err := docio.OpenFile(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { out.Close() })
		return out
	}
	var parts []docio.Part
	measure("signing", func() {
		parts, err = SignFile(context.Background(), src, pki.Signer.Key, FileOptions{SignerOptions: SignerOptions{Chain: pki.Signer.Chain}}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	p7m := write("big.p7m", src, parts)
	measure("parallel signing", func() {
		var fs *FileSigning
		if fs, err = PrepareParallel(p7m, SignerOptions{Chain: pki.ECSigner.Chain}); err != nil {
			return
		}
		sig, _ := pki.ECSigner.Key.Sign(rand.Reader, fs.Digest(), fs.Pending.SignerOpts())
		parts, err = fs.Finish(context.Background(), sig, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	both := write("both.p7m", p7m, parts)
	var res []*SignerResult
	measure("verifying", func() {
		sd, perr := ParseSource(both)
		if perr != nil {
			err = perr
			return
		}
		res, err = Verify(sd, both, nil, VerifyOptions{Anchors: StaticAnchors{pki.Root.Cert()}})
	})
	if err != nil || len(res) != 2 || !res[0].OK() || !res[1].OK() {
		t.Fatalf("%v %+v", err, res)
	}
}
