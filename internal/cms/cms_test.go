package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

func sampleP7M(tb testing.TB) []byte {
	pki := signtest.NewPKI(tb)
	parts, err := SignFile(context.Background(), docio.Bytes("contenuto"), pki.ECSigner.Key, FileOptions{SignerOptions: SignerOptions{Chain: pki.ECSigner.Chain}}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	docio.WriteParts(&buf, docio.Bytes("contenuto"), parts)
	return buf.Bytes()
}

func assemble(t *testing.T, src docio.Source, parts []docio.Part) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := docio.WriteParts(&buf, src, parts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEnvelopingParallelDetached: a .p7m signs and verifies, a parallel signature keeps the first
// one valid, a .p7s verifies against its file, and a changed content is detected.
func TestEnvelopingParallelDetached(t *testing.T) {
	pki := signtest.NewPKI(t)
	content := docio.Bytes(bytes.Repeat([]byte("dati del documento "), 100000))
	anchors := StaticAnchors{pki.Root.Cert()}
	cs := &signtest.CountingSigner{Signer: pki.Signer.Key}
	parts, err := SignFile(context.Background(), content, cs, FileOptions{SignerOptions: SignerOptions{Chain: pki.Signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cs.Calls != 1 {
		t.Fatalf("signer called %d times", cs.Calls)
	}
	p7m := assemble(t, content, parts)
	second, err := PrepareParallel(docio.Bytes(p7m), SignerOptions{Chain: pki.ECSigner.Chain})
	if err != nil {
		t.Fatal(err)
	}
	sig, err := pki.ECSigner.Key.Sign(rand.Reader, second.Digest(), second.Pending.SignerOpts())
	if err != nil {
		t.Fatal(err)
	}
	parts2, err := second.Finish(context.Background(), sig, nil)
	if err != nil {
		t.Fatal(err)
	}
	both := assemble(t, docio.Bytes(p7m), parts2)
	sd, err := Parse(both)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(sd, docio.Bytes(both), nil, VerifyOptions{Anchors: anchors})
	if err != nil || len(res) != 2 {
		t.Fatalf("%v %d", err, len(res))
	}
	for _, r := range res {
		if !r.OK() || !r.CAdESBES || r.Chain != ChainValid {
			t.Fatalf("%s: ok=%v cades=%v chain=%s %v", r.Signer, r.OK(), r.CAdESBES, r.Chain, r.Err)
		}
	}
	// Flip one content byte: both signatures must fail on the digest.
	i := bytes.Index(both, []byte("dati del"))
	both[i] ^= 0x20
	sd, _ = Parse(both)
	res, _ = Verify(sd, docio.Bytes(both), nil, VerifyOptions{})
	for _, r := range res {
		if r.OK() || r.DigestOK {
			t.Fatal("changed content accepted")
		}
	}
	// Detached.
	parts, err = SignFile(context.Background(), content, pki.Signer.Key, FileOptions{Detached: true, SignerOptions: SignerOptions{Chain: pki.Signer.Chain, SigningTime: time.Now()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p7s := assemble(t, content, parts)
	sd, err = Parse(p7s)
	if err != nil || !sd.Detached {
		t.Fatal(err)
	}
	res, err = Verify(sd, docio.Bytes(p7s), content, VerifyOptions{Anchors: StaticAnchors{pki.Intermediate.Cert()}})
	if err != nil || !res[0].OK() || res[0].SigningTime.IsZero() {
		t.Fatalf("%v %+v", err, res[0])
	}
	// Untrusted anchors give "untrusted", not valid.
	res, _ = Verify(sd, docio.Bytes(p7s), content, VerifyOptions{Anchors: StaticAnchors{pki.TSA.Cert()}})
	if res[0].Chain != ChainUntrusted {
		t.Fatalf("chain %s", res[0].Chain)
	}
}

// TestWrongKey: a signature from another key is caught before anything is written.
func TestWrongKey(t *testing.T) {
	pki := signtest.NewPKI(t)
	_, err := SignFile(context.Background(), docio.Bytes("x"), pki.Auth.Key, FileOptions{SignerOptions: SignerOptions{Chain: pki.Signer.Chain}}, nil)
	if err == nil {
		t.Fatal("mismatched key accepted")
	}
}

// TestMaxSignatureSize: the bound used to size PAdES placeholders holds for ECDSA signatures, whose
// DER length varies, and is exact for RSA.
func TestMaxSignatureSize(t *testing.T) {
	pki := signtest.NewPKI(t)
	d := make([]byte, 32)
	max := MaxSignatureSize(pki.ECSigner.Key.Public())
	for i := 0; i < 300; i++ {
		rand.Read(d)
		sig, err := pki.ECSigner.Key.Sign(rand.Reader, d, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) > max {
			t.Fatalf("ECDSA signature of %d bytes over the bound %d", len(sig), max)
		}
	}
	sig, _ := pki.Signer.Key.Sign(rand.Reader, d, crypto.SHA256)
	if len(sig) != MaxSignatureSize(pki.Signer.Key.Public()) {
		t.Fatal("RSA bound is not the modulus size")
	}
}
