package cms

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestOpenSSLVerifies: `openssl cms -verify -binary -cades` (which requires and checks the ESS
// signing-certificate(-v2) attribute) accepts our .p7m, our .p7s with its file, and a .p7m with two
// parallel signatures (each signer checked), against the test root; and openssl's own .p7m gets a
// parallel signature from us that openssl still accepts.
func TestOpenSSLVerifies(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	ca := signtest.WritePEM(t, dir, "ca.pem", pki.Root.Cert())
	content := []byte("Contratto di prova\x00\x01\x02 binario\r\n")
	data := filepath.Join(dir, "doc.bin")
	os.WriteFile(data, content, 0o644)
	run := func(args ...string) string { return signtest.Run(t, openssl, args...) }
	write := func(name string, src docio.Source, parts []docio.Part) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := docio.WriteParts(f, src, parts); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return p
	}
	src := docio.Bytes(content)
	parts, err := SignFile(context.Background(), src, pki.Signer.Key, FileOptions{SignerOptions: SignerOptions{Chain: pki.Signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p7m := write("doc.bin.p7m", src, parts)
	out := filepath.Join(dir, "out.bin")
	run("cms", "-verify", "-binary", "-cades", "-inform", "DER", "-in", p7m, "-CAfile", ca, "-out", out)
	if got, _ := os.ReadFile(out); string(got) != string(content) {
		t.Fatal("openssl extracted different content")
	}
	// Parallel signature by a second (ECDSA) signer.
	p7mSrc, _ := docio.OpenFile(p7m)
	defer p7mSrc.Close()
	fs, err := PrepareParallel(p7mSrc, SignerOptions{Chain: pki.ECSigner.Chain})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := pki.ECSigner.Key.Sign(rand.Reader, fs.Digest(), fs.Pending.SignerOpts())
	parts, err = fs.Finish(context.Background(), sig, nil)
	if err != nil {
		t.Fatal(err)
	}
	two := write("doc.bin.2.p7m", p7mSrc, parts)
	run("cms", "-verify", "-binary", "-cades", "-inform", "DER", "-in", two, "-CAfile", ca, "-out", out)
	signers := filepath.Join(dir, "signers.pem")
	run("cms", "-verify", "-binary", "-inform", "DER", "-in", two, "-CAfile", ca, "-signer", signers, "-out", out)
	if pemText, _ := os.ReadFile(signers); strings.Count(string(pemText), "BEGIN CERTIFICATE") != 2 {
		t.Fatalf("openssl found signers:\n%s", pemText)
	}
	info := run("cms", "-cmsout", "-print", "-inform", "DER", "-in", two)
	if strings.Count(info, "signingCertificateV2") < 2 && strings.Count(info, "id-smime-aa-signingCertificateV2") < 2 {
		t.Fatalf("two signing-certificate-v2 attributes expected:\n%s", info)
	}
	if strings.Contains(info, "signingTime") {
		t.Fatal("signing-time present though not asked for")
	}
	// Detached .p7s.
	parts, err = SignFile(context.Background(), src, pki.Signer.Key, FileOptions{Detached: true, SignerOptions: SignerOptions{Chain: pki.Signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p7s := write("doc.bin.p7s", src, parts)
	run("cms", "-verify", "-binary", "-cades", "-inform", "DER", "-in", p7s, "-content", data, "-CAfile", ca, "-out", out)

	// openssl's own .p7m, then our parallel signature on it.
	key := filepath.Join(dir, "k.pem")
	signtest.WriteKey(t, key, pki.ECSigner.Key)
	cert := signtest.WritePEM(t, dir, "ec.pem", pki.ECSigner.Cert())
	chain := signtest.WritePEM(t, dir, "chain.pem", pki.Intermediate.Cert())
	theirs := filepath.Join(dir, "theirs.p7m")
	run("cms", "-sign", "-binary", "-nodetach", "-cades", "-md", "sha256", "-in", data, "-signer", cert, "-inkey", key, "-certfile", chain, "-outform", "DER", "-out", theirs)
	theirSrc, _ := docio.OpenFile(theirs)
	defer theirSrc.Close()
	fs, err = PrepareParallel(theirSrc, SignerOptions{Chain: pki.Signer.Chain})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ = pki.Signer.Key.Sign(rand.Reader, fs.Digest(), fs.Pending.SignerOpts())
	parts, err = fs.Finish(context.Background(), sig, nil)
	if err != nil {
		t.Fatal(err)
	}
	mixed := write("mixed.p7m", theirSrc, parts)
	run("cms", "-verify", "-binary", "-cades", "-inform", "DER", "-in", mixed, "-CAfile", ca, "-out", out)
	ms, _ := docio.OpenFile(mixed)
	defer ms.Close()
	sd, err := ParseSource(ms)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := Verify(sd, ms, nil, VerifyOptions{Anchors: StaticAnchors{pki.Root.Cert()}})
	if len(res) != 2 || !res[0].OK() || !res[1].OK() || res[0].Chain != ChainValid {
		t.Fatalf("our verification of the mixed .p7m: %+v", res)
	}
}
