package signjob

import (
	"bytes"
	"context"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/signtest"
)

// Adding a signature to something that is not a .p7m with its content is refused before the card is
// asked, in both languages: a ".p7m" that is not CMS (BAD_CMS), a detached .p7s without its document.
func TestParallelBadInput(t *testing.T) {
	pki := signtest.NewPKI(t)
	cert, err := Pick(card(map[string]*x509.Certificate{"02": pki.Signer.Cert()}), "", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	doc := docio.Bytes([]byte("lettera\n"))
	job, err := Prepare(context.Background(), doc, cert, Options{Format: Detached})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := pki.Signer.Key.Sign(nil, job.Digest(), job.SignerOpts())
	parts, err := job.Finish(context.Background(), sig)
	if err != nil {
		t.Fatal(err)
	}
	var p7s bytes.Buffer
	docio.WriteParts(&p7s, doc, parts)
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
		if signerr.CodeOf(err) != c.code || !strings.Contains(Message(err, "it"), c.it) || !strings.Contains(Message(err, "en"), c.en) {
			t.Errorf("%s: %v / %q", c.name, err, Message(err, "en"))
		}
	}
}
