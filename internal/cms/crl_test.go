package cms

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestParallelKeepsCRLs: openssl makes a .p7m, the intermediate's CRL is put in its RevocationInfoChoices
// (openssl 3.0's cms -sign has no -crlfile; `openssl cms -cmsout -print` reads it); our parallel signature keeps that CRL byte for byte next to the certificates, openssl still prints it
// (`cms -cmsout -print`: crls) and verifies both signers.
func TestParallelKeepsCRLs(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	ca := signtest.WritePEM(t, dir, "ca.pem", pki.Root.Cert())
	chain := signtest.WritePEM(t, dir, "chain.pem", pki.Signer.Chain[1:]...)
	signer := signtest.WritePEM(t, dir, "signer.pem", pki.Signer.Cert())
	key := filepath.Join(dir, "signer.key")
	signtest.WriteKey(t, key, pki.Signer.Key)
	crlDER := pki.IntermediateCRL(t)
	data := filepath.Join(dir, "doc.txt")
	os.WriteFile(data, []byte("delibera n. 12\n"), 0o644)
	p7m := filepath.Join(dir, "doc.txt.p7m")
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-cades", "-outform", "DER", "-in", data, "-signer", signer,
		"-inkey", key, "-certfile", chain, "-out", p7m+".nocrl")
	withCRL(t, p7m+".nocrl", p7m, crlDER)
	if printed := signtest.Run(t, openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", p7m); strings.Contains(printed, "crls:\n    <ABSENT>") {
		t.Fatalf("the CRL was not added:\n%s", printed)
	}

	src, err := docio.OpenFile(p7m)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	before, err := ParseSource(src)
	if err != nil || len(before.RawCRLs) != 1 || !bytes.Equal(before.RawCRLs[0], crlDER) {
		t.Fatalf("openssl's CRL not read: %v (%d)", err, len(before.RawCRLs))
	}
	fs, err := PrepareParallel(src, SignerOptions{Chain: pki.ECSigner.Chain})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := pki.ECSigner.Key.Sign(rand.Reader, fs.Digest(), fs.Pending.SignerOpts())
	parts, err := fs.Finish(context.Background(), sig, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := docio.WriteParts(&out, src, parts); err != nil {
		t.Fatal(err)
	}
	both := filepath.Join(dir, "both.p7m")
	os.WriteFile(both, out.Bytes(), 0o644)
	after, err := Parse(out.Bytes())
	if err != nil || len(after.Signers) != 2 || len(after.RawCRLs) != 1 || !bytes.Equal(after.RawCRLs[0], crlDER) ||
		len(after.RawCerts) < len(before.RawCerts) {
		t.Fatalf("parallel: %v, %d signers, %d CRLs, %d/%d certificates", err, len(after.Signers), len(after.RawCRLs), len(after.RawCerts), len(before.RawCerts))
	}
	printed := signtest.Run(t, openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", both)
	if !strings.Contains(printed, "crls:") || strings.Contains(printed, "crls:\n    <ABSENT>") || strings.Count(printed, "signatureAlgorithm:") != 2 {
		t.Fatalf("openssl does not see the CRL and both signers:\n%s", printed)
	}
	signtest.Run(t, openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", both, "-CAfile", ca, "-out", os.DevNull)
}

// withCRL writes to out the ContentInfo in in with crl as the SignedData's [1] IMPLICIT
// RevocationInfoChoices (RFC 5652 §5.1), placed before the signerInfos.
func withCRL(t *testing.T, in, out string, crl []byte) {
	der, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(der, &ci); err != nil {
		t.Fatal(err)
	}
	var sd asn1.RawValue
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil { // inside the [0] EXPLICIT
		t.Fatal(err)
	}
	var fields []asn1.RawValue
	for b := sd.Bytes; len(b) > 0; {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			t.Fatal(err)
		}
		fields, b = append(fields, v), rest
	}
	var body []byte
	for i, f := range fields {
		if i == len(fields)-1 {
			body = append(body, derTLV(0xa1, crl)...)
		}
		body = append(body, f.FullBytes...)
	}
	oid, err := asn1.Marshal(ci.Type)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(out, derTLV(0x30, oid, derTLV(0xa0, derTLV(0x30, body))), 0o644)
}
