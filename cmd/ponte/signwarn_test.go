package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestSignWarningsCLI: on a card with only the CNS authentication certificate, and on one whose
// signature key is RSA 1024, `ponte sign` prints the warning in Italian and English and refuses before
// asking the PIN (nothing written) unless --accept-warnings is given; then it signs, independent tools
// accept the signature, and `ponte verify` says what kind of signature it is (issue 6).
func TestSignWarningsCLI(t *testing.T) {
	pdfsig, openssl := testenv.Tool(t, "pdfsig"), testenv.Tool(t, "openssl")
	for _, c := range []struct {
		name       string
		opts       testbed.Options
		warnIT     string
		warnEN     string
		verifyKind string // in `ponte verify`'s report
	}{
		{"cns-only", testbed.Options{CNSOnly: true},
			"solo il certificato di autenticazione CNS", "NOT a qualified digital signature",
			"NON è una firma qualificata: è stata fatta con il certificato di autenticazione CNS"},
		{"weak-key", testbed.Options{SignKeyBits: 1024},
			"La chiave del certificato è RSA a 1024 bit", "The certificate's key is RSA with 1024 bits",
			"chiave RSA a 1024 bit, sotto i 2048 bit richiesti"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cl := newCLIWith(t, c.opts)
			dir := t.TempDir()
			caPEM := filepath.Join(cl.bed.Dir, "ca", "ca.pem")
			pins := testbed.PIN + "\n" + testbed.PIN + "\n"
			in := filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf")
			text := filepath.Join(dir, "lettera.txt")
			os.WriteFile(text, []byte("Spett.le Comune,\ncon la presente...\n"), 0o644)

			// Refused without --accept-warnings, before the PIN (standard input is empty): nothing written.
			for _, f := range []struct{ in, out string }{{in, filepath.Join(dir, "firmato.pdf")}, {text, filepath.Join(dir, "lettera.txt.p7m")}} {
				out, errs, ok := cl.run(t, "", "sign", "--in", f.in, "--out", f.out)
				if ok || !strings.Contains(errs, c.warnIT) || !strings.Contains(errs, c.warnEN) ||
					!strings.Contains(errs, "firma non eseguita") || !strings.Contains(errs, "--accept-warnings") {
					t.Fatalf("without --accept-warnings: ok=%v\n%s\n%s", ok, out, errs)
				}
				assertNoOutput(t, dir, f.out)
			}

			// Accepted: a PDF and a .p7m.
			signed := filepath.Join(dir, "firmato.pdf")
			if out, errs, ok := cl.run(t, pins, "sign", "--accept-warnings", "--in", in, "--out", signed); !ok {
				t.Fatalf("ponte sign --accept-warnings (pdf):\n%s\n%s", out, errs)
			}
			rep := mustRun(t, pdfsig, "-nssdir", "sql:"+testenv.NSSDB(t, caPEM), signed)
			for _, want := range []string{"  - Signature Validation: Signature is Valid.\n", "  - Total document signed\n"} {
				if !strings.Contains(rep, want) {
					t.Fatalf("pdfsig lacks %q:\n%s", want, rep)
				}
			}
			t.Logf("pdfsig:\n%s", rep)
			p7m := filepath.Join(dir, "lettera.txt.p7m")
			if out, errs, ok := cl.run(t, pins, "sign", "--accept-warnings", "--in", text, "--out", p7m); !ok {
				t.Fatalf("ponte sign --accept-warnings (p7m):\n%s\n%s", out, errs)
			}
			// -purpose any: the CNS certificate's extended key usage is clientAuth, which OpenSSL's
			// default S/MIME signing purpose refuses; the signature itself must verify.
			mustRun(t, openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7m, "-CAfile", caPEM, "-purpose", "any", "-out", os.DevNull)
			for _, f := range []string{signed, p7m} {
				out, errs, _ := cl.run(t, "", "verify", f, "--anchors", caPEM, "--offline")
				if !strings.Contains(out, "Tipo di firma:") || !strings.Contains(out, c.verifyKind) {
					t.Fatalf("ponte verify %s:\n%s\n%s", filepath.Base(f), out, errs)
				}
				t.Logf("ponte verify %s:\n%s", filepath.Base(f), out)
			}
		})
	}
}
