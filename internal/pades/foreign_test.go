package pades

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestForeignSignature: a PDF signed by poppler (pdfsig -add-signature, NSS, adbe.pkcs7.detached) is
// verified by our verifier, then signed by us on top; pdfsig, mutool and qpdf accept both signatures
// and ours verifies both — the incremental update kept the foreign signature valid.
func TestForeignSignature(t *testing.T) {
	pki, _ := crlServer(t)
	v := newVerifiers(t, pki)
	pk12util := testenv.Tool(t, "pk12util")
	openssl := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	chain := signtest.WritePEM(t, dir, "chain.pem", pki.Signer.Chain...)
	key := filepath.Join(dir, "key.pem")
	signtest.WriteKey(t, key, pki.Signer.Key)
	p12 := filepath.Join(dir, "s.p12")
	run(t, openssl, "pkcs12", "-export", "-in", chain, "-inkey", key, "-passout", "pass:", "-name", "rossi", "-out", p12)
	run(t, pk12util, "-i", p12, "-d", "sql:"+v.nssDir, "-W", "")

	in := filepath.Join("testdata", "corpus", "qpdf-objstm.pdf")
	theirs := filepath.Join(dir, "poppler.pdf")
	cmd := exec.Command(v.pdfsig, "-nssdir", "sql:"+v.nssDir, "-add-signature", "-nick", "rossi",
		"-new-signature-field-name", "FirmaPoppler", "-reason", "prova", in, theirs)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdfsig -add-signature: %v\n%s", err, out)
	}
	data, err := os.ReadFile(theirs)
	if err != nil {
		t.Fatal(err)
	}
	anchors := cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}}
	rep, err := Verify(docio.Bytes(data), anchors)
	if err != nil || len(rep.Signatures) != 1 || !rep.Signatures[0].Valid() || !rep.Signatures[0].CoversWholeFile {
		t.Fatalf("our verification of poppler's signature: %v %+v", err, rep.Signatures)
	}
	if rep.Signatures[0].SubFilter != "adbe.pkcs7.detached" || rep.Signatures[0].Signer != "ROSSI MARIO" {
		t.Fatalf("%+v", rep.Signatures[0])
	}
	both := signBytes(t, pki.ECSigner, data, Options{Visible: &Appearance{Page: 1, Left: 40, Bottom: 40, Width: 200, Height: 50}})
	out := filepath.Join(dir, "both.pdf")
	os.WriteFile(out, both, 0o644)
	v.checkPdfsig(t, out, 2, []string{"adbe.pkcs7.detached", "ETSI.CAdES.detached"})
	v.checkMutool(t, out, 2, 1)
	v.checkQpdf(t, out)
	rep, err = Verify(docio.Bytes(both), anchors)
	if err != nil || len(rep.Signatures) != 2 || !rep.Signatures[0].Valid() || !rep.Signatures[1].Valid() ||
		rep.Signatures[0].LaterSignatures != 1 || rep.Signatures[0].LaterChanges != ChangesSignatures || !rep.Signatures[1].CoversWholeFile {
		t.Fatalf("%v %v", err, rep.Signatures[0].LaterChangeDetails)
	}
}
