package signjob

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/extension"
	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/sigverify"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

func card(ids map[string]*x509.Certificate) *protocol.Card {
	c := &protocol.Card{ID: "card", Holder: &protocol.Holder{Surname: "ROSSI", Name: "MARIO"}}
	for id, x := range ids {
		role := "cns"
		if x.KeyUsage&x509.KeyUsageContentCommitment != 0 {
			role = "signature"
		}
		c.Certificates = append(c.Certificates, protocol.Certificate{ID: id, Role: role, DER: x.Raw})
	}
	return c
}

// The qualified certificate is chosen and its chain completed; a CNS-only card gets the plain warning;
// a card without token certificates is refused.
func TestPick(t *testing.T) {
	pki := signtest.NewPKI(t)
	now := time.Now()
	pool := []*x509.Certificate{pki.Intermediate.Cert(), pki.Root.Cert()}
	c, err := Pick(card(map[string]*x509.Certificate{"01": pki.Auth.Cert(), "02": pki.Signer.Cert()}), "", pool, now)
	if err != nil || c.Info.ID != "02" || !c.Choice.Qualified || len(c.Choice.Warnings) != 0 || len(c.Chain) != 3 || c.Holder() != "ROSSI MARIO" {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = Pick(card(map[string]*x509.Certificate{"01": pki.Auth.Cert()}), "", pool, now)
	if err != nil || c.Choice.Qualified || len(c.Choice.Warnings) == 0 || c.Choice.Warnings[0].Code != "NOT_QUALIFIED" {
		t.Fatalf("CNS only: %+v %v", c, err)
	}
	if c, err = Pick(card(map[string]*x509.Certificate{"01": pki.Auth.Cert(), "02": pki.Signer.Cert()}), "01", pool, now); err != nil || c.Choice.Qualified {
		t.Fatalf("explicit CNS certificate: %+v %v", c, err)
	}
	if _, err := Pick(card(map[string]*x509.Certificate{"": pki.Signer.Cert()}), "", pool, now); signerr.CodeOf(err) != signerr.BadCertificate {
		t.Fatalf("no token certificate: %v", err)
	}
	if _, err := Pick(card(map[string]*x509.Certificate{"02": pki.Signer.Cert()}), "99", pool, now); signerr.CodeOf(err) != signerr.BadCertificate {
		t.Fatalf("unknown certificate ID: %v", err)
	}
}

func TestDetectAndNames(t *testing.T) {
	for _, c := range []struct {
		data, name, want string
		code             signerr.Code
	}{
		{"%PDF-1.7\n...", "a.bin", PAdES, ""},
		{"\x89PNG", "fattura.PDF", "", signerr.NotPDF},
		{"0\x80", "x.txt.p7m", Parallel, ""},
		{"0\x80", "x.txt.P7S", Parallel, ""},
		{"hello", "lettera.txt", CAdES, ""},
		{"", "empty.txt", CAdES, ""},
	} {
		got, err := Detect(docio.Bytes(c.data), c.name)
		if got != c.want || signerr.CodeOf(err) != c.code {
			t.Errorf("%s: %q %v", c.name, got, err)
		}
	}
	if OutputName("a.PDF", PAdES) != "a-firmato.pdf" || OutputName("a.txt", CAdES) != "a.txt.p7m" || OutputName("a.txt", Detached) != "a.txt.p7s" {
		t.Fatal("output names")
	}
	for name, want := range map[string]string{
		"atto.pdf.p7m": "atto.pdf", "FATTURA.XML.P7M": "FATTURA.XML", "atto.pdf.p7m.p7m": "atto.pdf.p7m",
		"cartella/atto.pdf.p7m": "atto.pdf", `C:\Users\rossi\atto.pdf.p7m`: "atto.pdf",
		"firma.bin": "contenuto-firma.bin", ".p7m": "contenuto-documento",
	} {
		if got := ContentName(name); got != want {
			t.Errorf("ContentName(%q) = %q, want %q", name, got, want)
		}
	}
}

// Choose is the one format choice of the Firma page and `ponte sign`: what was asked, or what was
// detected; CAdES asked for a CMS signature adds a signer; a .pdf that is not a PDF is refused whatever was
// asked.
func TestChoose(t *testing.T) {
	for _, c := range []struct {
		data, name, asked, want string
		code                    signerr.Code
	}{
		{"%PDF-1.7", "a.pdf", "", PAdES, ""},
		{"%PDF-1.7", "a.pdf", CAdES, CAdES, ""},
		{"%PDF-1.7", "a.pdf", Detached, Detached, ""},
		{"0\x80", "a.txt.p7m", CAdES, Parallel, ""},
		{"0\x80", "a.txt.p7s", CAdES, Parallel, ""},
		{"0\x80", "a.txt.p7m", Detached, Detached, ""},
		{"hello", "a.txt", "", CAdES, ""},
		{"hello", "a.txt", Detached, Detached, ""},
		{"\x89PNG", "a.pdf", CAdES, "", signerr.NotPDF},
	} {
		got, err := Choose(docio.Bytes(c.data), c.name, c.asked)
		if got != c.want || signerr.CodeOf(err) != c.code {
			t.Errorf("%s asked %q: %q %v", c.name, c.asked, got, err)
		}
	}
}

type failingTSA struct{}

func (failingTSA) TimeStamp(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("TSA down")
}

// A job signs once: a PDF and a .p7m verify (sigverify) and the report says valid in both languages; a
// time-stamp failure after the card signed is saved without time stamp with the same signature.
func TestJobRoundTrip(t *testing.T) {
	pki := signtest.NewPKI(t)
	cert, err := Pick(card(map[string]*x509.Certificate{"02": pki.Signer.Cert()}), "", []*x509.Certificate{pki.Intermediate.Cert(), pki.Root.Cert()}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile(filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "qpdf-objstm.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	anchors := cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}}
	for _, c := range []struct {
		format string
		data   []byte
		tsa    cms.TimeStamper
	}{
		{PAdES, pdf, nil},
		{CAdES, []byte("lettera\n"), nil},
		{CAdES, []byte("lettera\n"), failingTSA{}},
	} {
		src := docio.Bytes(c.data)
		job, err := Prepare(context.Background(), src, cert, Options{Format: c.format, TSA: c.tsa})
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		sig, err := pki.Signer.Key.Sign(nil, job.Digest(), job.SignerOpts())
		if err != nil {
			t.Fatal(err)
		}
		parts, err := job.Finish(context.Background(), sig)
		if c.tsa != nil {
			if signerr.CodeOf(err) != signerr.TimeStamp {
				t.Fatalf("TSA failure: %v", err)
			}
			job.DropTimeStamp()
			parts, err = job.Finish(context.Background(), sig)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.format, err)
		}
		var out bytes.Buffer
		if err := docio.WriteParts(&out, src, parts); err != nil {
			t.Fatal(err)
		}
		rep, err := sigverify.File(docio.Bytes(out.Bytes()), nil, anchors)
		if err != nil || len(rep.Signers) != 1 || !rep.Signers[0].Valid() {
			t.Fatalf("%s: %+v %v", c.format, rep, err)
		}
		it, en := ReportText("f", rep, "it"), ReportText("f", rep, "en")
		// Offline (no OCSP asked): valid, with the unchecked revocation as a warning.
		if !strings.Contains(it, "Esito del documento: VALIDA CON AVVERTENZE\n") || !strings.Contains(en, "Document result: VALID WITH WARNINGS\n") ||
			!strings.Contains(it, "stato di revoca non controllato") || !strings.Contains(it, "attendibile") {
			t.Fatalf("report:\n%s\n%s", it, en)
		}
	}
}

func TestMessage(t *testing.T) {
	e := signerr.New(signerr.NotPDF, "non è un PDF", "not a PDF", nil)
	if Message(e, extension.Catalog("it")) != "non è un PDF" || Message(e, extension.Catalog("en")) != "not a PDF" || Bilingual(e, extension.Catalog("it"), extension.Catalog("en")) != "non è un PDF / not a PDF" {
		t.Fatal(Bilingual(e, extension.Catalog("it"), extension.Catalog("en")))
	}
	pe := &protocol.Error{Code: protocol.ErrInternal, Message: "C_Login failed"}
	if !strings.Contains(Bilingual(pe, extension.Catalog("it"), extension.Catalog("en")), "C_Login failed") || Message(pe, extension.Catalog("en")) != "Ponte internal error: download the log and contact support." {
		t.Fatal(Bilingual(pe, extension.Catalog("it"), extension.Catalog("en")))
	}
}
