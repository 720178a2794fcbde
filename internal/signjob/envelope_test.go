package signjob

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// signedBy returns a function that signs src as format with the test PKI's signer (the card's part done
// by the software key) and returns the output's parts.
func signedBy(t *testing.T) (*Cert, func(src docio.Source, format string) []docio.Part) {
	t.Helper()
	pki := signtest.NewPKI(t)
	cert, err := Pick(card(map[string]*x509.Certificate{"02": pki.Signer.Cert()}), "", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cert, func(src docio.Source, format string) []docio.Part {
		t.Helper()
		job, err := Prepare(context.Background(), src, cert, Options{Format: format})
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := pki.Signer.Key.Sign(nil, job.Digest(), job.SignerOpts())
		parts, err := job.Finish(context.Background(), sig)
		if err != nil {
			t.Fatal(err)
		}
		return parts
	}
}

// Adding a signature to something that is not a .p7m with its content is refused before the card is
// asked, in both languages: a ".p7m" that is not CMS (BAD_CMS), a detached .p7s without its document.
func TestParallelBadInput(t *testing.T) {
	cert, sign := signedBy(t)
	doc := docio.Bytes([]byte("lettera\n"))
	var p7s bytes.Buffer
	docio.WriteParts(&p7s, doc, sign(doc, Detached))
	for _, c := range []struct {
		name   string
		data   []byte
		code   signerr.Code
		it, en string
	}{
		{"finto.p7m", []byte("non sono una busta\n"), signerr.BadCMS, "non è una busta di firma CMS/PKCS#7 valida", "not a valid CMS/PKCS#7 signature"},
		{"firma.p7s", p7s.Bytes(), signerr.Unsupported, "non contiene il documento firmato", "does not contain the signed document"},
	} {
		src := docio.Bytes(c.data)
		format, err := Detect(src, c.name)
		if err != nil || format != Parallel {
			t.Fatalf("%s: %q %v", c.name, format, err)
		}
		_, err = Prepare(context.Background(), src, cert, Options{Format: format})
		if signerr.CodeOf(err) != c.code || !strings.Contains(Message(err, extension.Catalog("it")), c.it) || !strings.Contains(Message(err, extension.Catalog("en")), c.en) {
			t.Errorf("%s: %v / %q", c.name, err, Message(err, extension.Catalog("en")))
		}
	}
}

// A .p7m that came as base64 text gets its parallel signature too: the output is the binary envelope
// with both signers (every part in memory, nothing pointing into the text file), and both verify.
func TestParallelOnBase64Envelope(t *testing.T) {
	_, signParts := signedBy(t)
	sign := func(src docio.Source, format string) []byte {
		t.Helper()
		parts := signParts(src, format)
		for _, p := range parts {
			if format == Parallel && p.Data == nil {
				t.Fatal("an output part points into the base64 text")
			}
		}
		var out bytes.Buffer
		docio.WriteParts(&out, src, parts)
		return out.Bytes()
	}
	content := []byte("<FatturaElettronica/>\n")
	first := sign(docio.Bytes(content), CAdES)
	text := []byte(base64.StdEncoding.EncodeToString(first) + "\r\n")
	if f, err := Detect(docio.Bytes(text), "fattura.xml.p7m"); err != nil || f != Parallel {
		t.Fatalf("detect: %q %v", f, err)
	}
	both := sign(docio.Bytes(text), Parallel)
	sd, err := cms.Parse(both)
	if err != nil || len(sd.Signers) != 2 {
		t.Fatalf("output: %v, %d signers", err, len(sd.Signers))
	}
	results, err := cms.Verify(sd, docio.Bytes(both), nil, cms.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if !r.OK() {
			t.Errorf("signer %d: %v", i+1, r.Err)
		}
	}
	if got, _ := docio.ReadRange(docio.Bytes(both), sd.Content[0]); !bytes.Equal(got, content) {
		t.Fatalf("content %q", got)
	}
}
