package main

import (
	"bytes"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestVerifyContentCLI: `ponte verify FILE.p7m --content OUT` gives back exactly the document openssl put
// in the envelope — DER with one OCTET STRING, BER streamed in indefinite-length chunks (`-stream`), and
// a .p7m inside a .p7m, whose content is verified in turn, and envelopes sent as base64 text or PEM. It writes the document even when the signer is
// not trusted (the exit status says so), and refuses a .p7s, a file that is not CMS and --content naming
// the verified file, writing nothing.
func TestVerifyContentCLI(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	bin := testenv.Build(t, "cmd/ponte", "ponte")
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	ca := signtest.WritePEM(t, dir, "ca.pem", pki.Root.Cert())
	cert := signtest.WritePEM(t, dir, "signer.pem", pki.Signer.Cert())
	chain := signtest.WritePEM(t, dir, "chain.pem", pki.Intermediate.Cert())
	key := filepath.Join(dir, "signer.key")
	signtest.WriteKey(t, key, pki.Signer.Key)

	// A document of 3 MB plus a tail, so a streamed envelope has many chunks.
	doc := make([]byte, 3<<20+12345)
	rand.Read(doc)
	docPath := filepath.Join(dir, "atto.pdf")
	if err := os.WriteFile(docPath, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	sign := func(in, out string, extra ...string) {
		args := append([]string{"cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-outform", "DER",
			"-in", in, "-out", out, "-signer", cert, "-inkey", key, "-certfile", chain}, extra...)
		signtest.Run(t, openssl, args...)
	}
	der := filepath.Join(dir, "atto.pdf.p7m")
	sign(docPath, der)
	ber := filepath.Join(dir, "streamed", "atto.pdf.p7m")
	os.Mkdir(filepath.Dir(ber), 0o755)
	sign(docPath, ber, "-stream")
	if b, _ := os.ReadFile(ber); len(b) < 4 || b[1] != 0x80 {
		t.Fatalf("openssl -stream did not write indefinite-length BER (% x)", b[:4])
	}
	nested := filepath.Join(dir, "atto.pdf.p7m.p7m")
	sign(der, nested)
	// The same envelope as text, as some mail systems and invoice channels deliver it.
	b64 := filepath.Join(dir, "base64", "atto.pdf.p7m")
	os.Mkdir(filepath.Dir(b64), 0o755)
	signtest.Run(t, openssl, "base64", "-in", der, "-out", b64)
	pemP7M := filepath.Join(dir, "pem", "atto.pdf.p7m")
	os.Mkdir(filepath.Dir(pemP7M), 0o755)
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-outform", "PEM",
		"-in", docPath, "-out", pemP7M, "-signer", cert, "-inkey", key, "-certfile", chain)

	run := func(args ...string) (string, bool) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "PONTE_TSL_URL=off")
		out, err := cmd.CombinedOutput()
		if _, exit := err.(*exec.ExitError); err != nil && !exit {
			t.Fatal(err)
		}
		return string(out), err == nil
	}
	for _, tc := range []struct{ name, in string }{{"DER", der}, {"BER stream", ber}, {"base64", b64}, {"PEM", pemP7M}} {
		out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
		if said, ok := run("verify", tc.in, "--anchors", ca, "--offline", "--content", out); !ok || !strings.Contains(said, "Esito:         VALIDA") {
			t.Fatalf("%s: ponte verify --content: ok=%v\n%s", tc.name, ok, said)
		}
		if got, _ := os.ReadFile(out); !bytes.Equal(got, doc) {
			t.Fatalf("%s: the written document (%d bytes) is not the signed one (%d bytes)", tc.name, len(got), len(doc))
		}
	}

	// Nested: the outer content is the inner .p7m, byte for byte, and verifying that gives the document.
	inner := filepath.Join(dir, "inner.p7m")
	if said, ok := run("verify", nested, "--anchors", ca, "--offline", "--content", inner); !ok {
		t.Fatalf("nested: %s", said)
	}
	if got, want := mustRead(t, inner), mustRead(t, der); !bytes.Equal(got, want) {
		t.Fatal("the outer envelope's content is not the inner .p7m")
	}
	final := filepath.Join(dir, "final.pdf")
	if said, ok := run("verify", inner, "--anchors", ca, "--offline", "--content", final); !ok || !bytes.Equal(mustRead(t, final), doc) {
		t.Fatalf("inner: ok=%v %s", ok, said)
	}

	// Without anchors the signature is not verified: the document is still written, the status is not 0.
	untrusted := filepath.Join(dir, "untrusted.pdf")
	if said, ok := run("verify", der, "--offline", "--content", untrusted); ok || !strings.Contains(said, "Documento scritto") {
		t.Fatalf("untrusted: ok=%v\n%s", ok, said)
	}
	if !bytes.Equal(mustRead(t, untrusted), doc) {
		t.Fatal("untrusted: wrong document")
	}

	// Refusals, nothing written.
	p7s := filepath.Join(dir, "atto.pdf.p7s")
	signtest.Run(t, openssl, "cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER", "-in", docPath, "-out", p7s,
		"-signer", cert, "-inkey", key)
	junk := filepath.Join(dir, "junk.p7m")
	os.WriteFile(junk, []byte("non è una busta"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", p7s, "--detached", docPath, "--offline", "--content", filepath.Join(dir, "x1")}, "solo una busta .p7m"},
		{[]string{"verify", junk, "--offline", "--content", filepath.Join(dir, "x2")}, "non è una busta di firma CMS"},
		{[]string{"verify", der, "--offline", "--content", der}, "--content deve essere un file diverso"},
	} {
		said, ok := run(tc.args...)
		if ok || !strings.Contains(said, tc.want) {
			t.Errorf("%v: ok=%v, want %q:\n%s", tc.args, ok, tc.want, said)
		}
	}
	for _, name := range []string{"x1", "x2"} {
		assertNoOutput(t, dir, filepath.Join(dir, name))
	}
	if !bytes.Equal(mustRead(t, filepath.Join(dir, "atto.pdf.p7m")), mustRead(t, filepath.Join(dir, "inner.p7m"))) {
		t.Error("the refused --content overwrote the verified file")
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
