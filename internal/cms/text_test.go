package cms

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
)

// A .p7m that travelled as text — bare base64 in lines of 64 or 76 characters or one long line, CRLF or
// LF, or PEM — decodes to the binary envelope, which parses and verifies; a binary envelope is left as
// it is; base64 that is broken or PEM of another type is BAD_CMS.
func TestDecodeText(t *testing.T) {
	pki := signtest.NewPKI(t)
	content := []byte("<FatturaElettronica>…</FatturaElettronica>")
	parts, err := SignFile(context.Background(), docio.Bytes(content), pki.Signer.Key, FileOptions{SignerOptions: SignerOptions{Chain: pki.Signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var der bytes.Buffer
	if err := docio.WriteParts(&der, docio.Bytes(content), parts); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(der.Bytes())
	lines := func(n int, eol string) string {
		var out strings.Builder
		for i := 0; i < len(b64); i += n {
			out.WriteString(b64[i:min(i+n, len(b64))] + eol)
		}
		return out.String()
	}
	for name, text := range map[string]string{
		"one line":   b64,
		"64 LF":      lines(64, "\n"),
		"76 CRLF":    lines(76, "\r\n"),
		"PEM PKCS7":  string(pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: der.Bytes()})),
		"PEM CMS":    "\n" + string(pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: der.Bytes()})),
		"leading NL": "\r\n" + lines(64, "\r\n"),
	} {
		env, decoded, err := DecodeText(docio.Bytes(text))
		if err != nil || !decoded {
			t.Fatalf("%s: %v %v", name, decoded, err)
		}
		sd, err := ParseSource(env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := docio.ReadRange(env, sd.Content[0])
		if !bytes.Equal(got, content) {
			t.Fatalf("%s: content %q", name, got)
		}
	}
	env, decoded, err := DecodeText(docio.Bytes(der.Bytes()))
	if err != nil || decoded || env.Size() != int64(der.Len()) {
		t.Fatalf("binary envelope: decoded=%v err=%v", decoded, err)
	}
	for name, text := range map[string]string{
		"broken base64": lines(64, "\n")[:100] + "!!!",
		"truncated":     b64[:len(b64)-3],
		"other PEM":     string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der.Bytes()})),
	} {
		if _, _, err := DecodeText(docio.Bytes(text)); signerr.CodeOf(err) != signerr.BadCMS {
			t.Errorf("%s: %v, want BAD_CMS", name, err)
		}
	}
	// Text that is not base64 of a SEQUENCE is left to the parser (which says it is not CMS).
	if _, decoded, err := DecodeText(docio.Bytes("questo non è un file firmato")); decoded || err != nil {
		t.Fatalf("plain text: decoded=%v err=%v", decoded, err)
	}
}
