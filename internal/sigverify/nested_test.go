package sigverify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestNestedP7M: a "matrioska" made by openssl — a document signed by a certificate no anchor vouches
// for, that .p7m signed again by a trusted signer as a BER-streamed envelope (`cms -sign -stream`, the
// inner envelope in chunks) — is verified layer by layer: two layers, the inner signer NON VERIFICABILE,
// the outer VALIDA CON AVVERTENZE (offline), and the document NON VERIFICABILE (the worst layer).
func TestNestedP7M(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	run := func(args ...string) { signtest.Run(t, openssl, args...) }
	doc := filepath.Join(dir, "atto.pdf")
	body := []byte("%PDF-1.4 finto atto\n" + strings.Repeat("% riga di riempimento\n", 1000)) // > one 4 KB BER chunk
	os.WriteFile(doc, body, 0o644)
	run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(dir, "self.key"), "-out", filepath.Join(dir, "self.pem"),
		"-subj", "/CN=BIANCHI LUCIA", "-days", "30")
	run("cms", "-sign", "-binary", "-nodetach", "-cades", "-outform", "DER", "-in", doc, "-signer", filepath.Join(dir, "self.pem"),
		"-inkey", filepath.Join(dir, "self.key"), "-out", doc+".p7m")
	signer := signtest.WritePEM(t, dir, "signer.pem", pki.Signer.Cert())
	chain := signtest.WritePEM(t, dir, "chain.pem", pki.Signer.Chain[1:]...)
	key := filepath.Join(dir, "signer.key")
	signtest.WriteKey(t, key, pki.Signer.Key)
	run("cms", "-sign", "-binary", "-nodetach", "-stream", "-cades", "-outform", "DER", "-in", doc+".p7m", "-signer", signer,
		"-inkey", key, "-certfile", chain, "-out", doc+".p7m.p7m")

	b, err := os.ReadFile(doc + ".p7m.p7m")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := File(docio.Bytes(b), nil, cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
	if err != nil {
		t.Fatal(err)
	}
	layers := rep.Layers()
	if len(layers) != 2 || len(layers[0].Signers) != 1 || len(layers[1].Signers) != 1 {
		t.Fatalf("%d layers", len(layers))
	}
	if len(rep.Content) < 2 {
		t.Fatalf("the outer envelope is not chunked BER (%d ranges): the test does not exercise the chunked inner read", len(rep.Content))
	}
	outer, in := layers[0].Signers[0], layers[1].Signers[0]
	if outer.Name != "ROSSI MARIO" || outer.Verdict().Level != LevelWarnings || in.Name != "BIANCHI LUCIA" || !in.Integrity ||
		in.Verdict().Level != LevelCannotVerify || in.Verdict().SubIndication != SubNoChain {
		t.Fatalf("outer %s %+v, inner %s %+v", outer.Name, outer.Verdict(), in.Name, in.Verdict())
	}
	if v := rep.Verdict(); v.Level != LevelCannotVerify || v.ExitCode() != 2 {
		t.Fatalf("document verdict %+v", v)
	}
	// The innermost content is the document, read through both envelopes.
	got, err := docio.ReadRange(layers[1].ContentSource(nil), docio.Range{Len: layers[1].ContentSource(nil).Size()})
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, r := range layers[1].Content {
		want = append(want, got[r.Off:r.End()]...)
	}
	if string(want) != string(body) {
		t.Fatalf("inner content differs (%d bytes, want %d)", len(want), len(body))
	}
}

// TestNestedTooDeep: nine envelopes made by openssl, the innermost signature broken (its document changed
// after signing) and the eight around it good. Layers past maxLayers are not verified, so the document
// cannot be called valid: NON VERIFICABILE, saying the envelopes nest too deep; at maxLayers the broken
// signature is verified and the document is NON VALIDA.
func TestNestedTooDeep(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	signer := signtest.WritePEM(t, dir, "signer.pem", pki.Signer.Cert())
	key := filepath.Join(dir, "signer.key")
	signtest.WriteKey(t, key, pki.Signer.Key)
	name := filepath.Join(dir, "atto.txt")
	os.WriteFile(name, []byte("Importo dovuto: 100 EUR\n"), 0o644)
	opts := cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}, Extra: pki.Signer.Chain[1:]}
	for depth := 1; depth <= maxLayers+1; depth++ {
		signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-cades", "-outform", "DER", "-in", name, "-signer", signer,
			"-inkey", key, "-out", name+".p7m")
		name += ".p7m"
		if depth == 1 { // the innermost document changed after signing
			b, _ := os.ReadFile(name)
			os.WriteFile(name, []byte(strings.Replace(string(b), "100 EUR", "900 EUR", 1)), 0o644)
		}
		if depth < maxLayers {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := File(docio.Bytes(b), nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		v := rep.Verdict()
		t.Logf("%d envelopes: %d layers verified, %s %s", depth, len(rep.Layers()), v.Level, v.SubIndication)
		want := LevelNotValid
		if depth > maxLayers {
			want = LevelCannotVerify
		}
		if v.Level != want || v.ExitCode() == 0 {
			t.Fatalf("%d envelopes: document %s %s, want %s (%v)", depth, v.Level, v.SubIndication, want, texts(v.Reasons))
		}
		if depth > maxLayers && !strings.Contains(strings.Join(texts(v.Reasons), " "), "nested envelopes") {
			t.Fatalf("the reason does not say the envelopes nest too deep: %v", texts(v.Reasons))
		}
	}
}
