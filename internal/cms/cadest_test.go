package cms_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/tsp"
)

// TestCAdEST: a .p7m with a signature time stamp from our tsp.Responder on 127.0.0.1 verifies with
// openssl cms -cades, openssl ts verifies the token against the signature value; and a BER
// indefinite-length .p7m streamed by openssl (-stream) gets a parallel signature that openssl accepts.
func TestCAdEST(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	pki := signtest.NewPKI(t)
	srv := httptest.NewServer(&tsp.Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2}})
	defer srv.Close()
	anchors := cms.StaticAnchors{pki.Root.Cert()}
	dir := t.TempDir()
	ca := signtest.WritePEM(t, dir, "ca.pem", pki.Root.Cert())
	run := func(args ...string) string { return signtest.Run(t, openssl, args...) }
	content := docio.Bytes("Delibera n. 12/2026\n")
	parts, err := cms.SignFile(context.Background(), content, pki.Signer.Key,
		cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: pki.Signer.Chain}}, &tsp.Client{URL: srv.URL, Anchors: anchors})
	if err != nil {
		t.Fatal(err)
	}
	p7m := filepath.Join(dir, "t.p7m")
	f, _ := os.Create(p7m)
	docio.WriteParts(f, content, parts)
	f.Close()
	run("cms", "-verify", "-binary", "-cades", "-inform", "DER", "-in", p7m, "-CAfile", ca, "-out", filepath.Join(dir, "out"))
	der, _ := os.ReadFile(p7m)
	sd, err := cms.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := cms.Verify(sd, docio.Bytes(der), nil, cms.VerifyOptions{Anchors: anchors})
	if !res[0].OK() || !res[0].HasTimeStamp || res[0].Chain != cms.ChainValid {
		t.Fatalf("%+v", res[0])
	}
	tok := cms.Attr(sd.Signers[0].UnsignedAttrs, cms.OIDAttrTimeStampToken)
	tokFile := filepath.Join(dir, "tok.der")
	os.WriteFile(tokFile, tok, 0o644)
	d := sha256.Sum256(sd.Signers[0].Signature)
	if out := run("ts", "-verify", "-token_in", "-in", tokFile, "-digest", hex.EncodeToString(d[:]), "-CAfile", ca); !strings.Contains(out, "Verification: OK") {
		t.Fatal(out)
	}

	// openssl -stream writes indefinite-length BER; we add a parallel signature around its content.
	data := filepath.Join(dir, "data.bin")
	os.WriteFile(data, []byte(strings.Repeat("riga di testo del documento\n", 5000)), 0o644)
	key := filepath.Join(dir, "key.pem")
	signtest.WriteKey(t, key, pki.ECSigner.Key)
	cert := signtest.WritePEM(t, dir, "ec.pem", pki.ECSigner.Cert())
	chain := signtest.WritePEM(t, dir, "chain.pem", pki.Intermediate.Cert())
	ber := filepath.Join(dir, "ber.p7m")
	run("cms", "-sign", "-binary", "-nodetach", "-stream", "-cades", "-md", "sha256", "-in", data, "-signer", cert, "-inkey", key, "-certfile", chain, "-outform", "DER", "-out", ber)
	raw, _ := os.ReadFile(ber)
	if raw[1] != 0x80 {
		t.Fatalf("openssl -stream did not write indefinite length (%x)", raw[:4])
	}
	src, _ := docio.OpenFile(ber)
	defer src.Close()
	fs, err := cms.PrepareParallel(src, cms.SignerOptions{Chain: pki.Signer.Chain})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := pki.Signer.Key.Sign(rand.Reader, fs.Digest(), fs.Pending.SignerOpts())
	parts, err = fs.Finish(context.Background(), sig, nil)
	if err != nil {
		t.Fatal(err)
	}
	both := filepath.Join(dir, "both.p7m")
	f, _ = os.Create(both)
	docio.WriteParts(f, src, parts)
	f.Close()
	signers := filepath.Join(dir, "signers.pem")
	run("cms", "-verify", "-binary", "-cades", "-inform", "DER", "-in", both, "-CAfile", ca, "-signer", signers, "-out", filepath.Join(dir, "out2"))
	if got, _ := os.ReadFile(filepath.Join(dir, "out2")); string(got) != strings.Repeat("riga di testo del documento\n", 5000) {
		t.Fatal("content changed")
	}
	if pemText, _ := os.ReadFile(signers); strings.Count(string(pemText), "BEGIN CERTIFICATE") != 2 {
		t.Fatal("openssl did not see two signers")
	}
}
