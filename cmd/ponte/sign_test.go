package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// cli is the built `ponte` talking to a built ponte-host on the testbed's SoftHSM TS-CNS.
type cli struct {
	bin string
	bed *testbed.Bed
	env []string
}

func newCLI(t *testing.T) *cli { return newCLIWith(t, testbed.Options{}) }

// newCLIWith is newCLI on a card shaped by o (CNS-only, weak key...); PKCS#11 only.
func newCLIWith(t *testing.T, o testbed.Options) *cli {
	t.Helper()
	testenv.Tool(t, "softhsm2-util")
	host := testenv.Build(t, "host", "ponte-host")
	bin := testenv.Build(t, "cmd/ponte", "ponte")
	t.Setenv("SOFTHSM2_CONF", "")
	o.Dir, o.NoPCSC = t.TempDir(), true
	bed, err := testbed.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bed.Close)
	for _, kv := range bed.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("PONTE_HOST", host)
	// No AgID trusted list from the network in tests (tsl_test.go serves a local one), no user cache.
	t.Setenv("PONTE_TSL_URL", "off")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return &cli{bin: bin, bed: bed, env: os.Environ()}
}

// run runs ponte with stdin and returns stdout, stderr and whether it succeeded.
func (c *cli) run(t *testing.T, stdin string, args ...string) (string, string, bool) {
	t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return out.String(), errb.String(), err == nil
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// TestSignAndVerifyCLI: `ponte sign` makes a PAdES B-T visible signature on a corpus PDF and a CAdES .p7m
// of a text file with the card behind ponte-host, PIN on standard input; pdfsig (NSS trusting the bed's
// CA) and openssl cms accept them, `ponte verify` reports them valid; a wrong PIN and a non-PDF named .pdf
// are refused with their message and write nothing.
func TestSignAndVerifyCLI(t *testing.T) {
	pdfsig, openssl := testenv.Tool(t, "pdfsig"), testenv.Tool(t, "openssl")
	c := newCLI(t)
	dir := t.TempDir()
	// The session PIN, then the context-specific PIN of the signature key (CKA_ALWAYS_AUTHENTICATE).
	pins := testbed.PIN + "\n" + testbed.PIN + "\n"
	caPEM := filepath.Join(c.bed.Dir, "ca", "ca.pem")
	testenv.File(t, "the bed's CA certificate", caPEM)

	// PDF: visible, time-stamped by ponte-ca's /tsa.
	in := filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf")
	signed := filepath.Join(dir, "firmato.pdf")
	restore := setUmask(0o027) // not the usual 022: the output must follow it (issue 15), not be 0644
	out, errs, ok := c.run(t, pins, "sign", "--in", in, "--out", signed, "--visible", "1,50,50,220,60", "--tsa", c.bed.CAURL+"/tsa")
	restore()
	if !ok {
		j, _, _ := c.run(t, "", "cards", "--json")
		t.Fatalf("ponte sign (pdf) failed:\n%s\n%s\n%s", out, errs, j)
	}
	if st, err := os.Stat(signed); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o640) {
		t.Fatalf("signed output with umask 027: %v %v, want -rw-r-----", st.Mode(), err)
	}
	if strings.Contains(out+errs, testbed.PIN) {
		t.Fatal("the PIN was echoed")
	}
	orig, _ := os.ReadFile(in)
	got, _ := os.ReadFile(signed)
	if !bytes.HasPrefix(got, orig) {
		t.Fatal("the signed PDF does not start with the original bytes")
	}
	nss := testenv.NSSDB(t, caPEM)
	rep := mustRun(t, pdfsig, "-nssdir", "sql:"+nss, signed)
	for _, want := range []string{"Signature #1:", "  - Signature Validation: Signature is Valid.\n", "  - Certificate Validation: Certificate is Trusted.\n",
		"  - Signature Type: ETSI.CAdES.detached\n", "  - Total document signed\n", "  - Signer full Distinguished Name:"} {
		if !strings.Contains(rep, want) {
			t.Fatalf("pdfsig lacks %q:\n%s", want, rep)
		}
	}
	if strings.Contains(rep, "Signature #2") {
		t.Fatalf("pdfsig sees more than one signature:\n%s", rep)
	}
	out, errs, ok = c.run(t, "", "verify", signed, "--anchors", caPEM)
	if !ok || !strings.Contains(out, "Esito del documento: VALIDA\n") || !strings.Contains(out, "marca temporale verificata") || !strings.Contains(out, "tutto il documento") ||
		!strings.Contains(out, "non revocato (risposta OCSP firmata dall'emittente) "+c.bed.CAURL+"/ocsp") {
		t.Fatalf("ponte verify (pdf): ok=%v\n%s\n%s", ok, out, errs)
	}
	t.Logf("ponte verify:\n%s", out)

	// Any file: an enveloping .p7m, checked by openssl as CAdES.
	text := filepath.Join(dir, "lettera.txt")
	content := []byte("Spett.le Comune,\ncon la presente...\n")
	os.WriteFile(text, content, 0o644)
	p7m := filepath.Join(dir, "lettera.txt.p7m")
	if out, errs, ok = c.run(t, pins, "sign", "--in", text, "--out", p7m); !ok {
		t.Fatalf("ponte sign (p7m) failed:\n%s\n%s", out, errs)
	}
	extracted := filepath.Join(dir, "extracted.txt")
	mustRun(t, openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7m, "-CAfile", caPEM, "-out", extracted)
	if b, _ := os.ReadFile(extracted); !bytes.Equal(b, content) {
		t.Fatalf("openssl extracted %q", b)
	}
	if out, errs, ok = c.run(t, "", "verify", p7m, "--anchors", caPEM, "--lang", "en"); !ok || !strings.Contains(out, "Result:        VALID") {
		t.Fatalf("ponte verify (p7m): ok=%v\n%s\n%s", ok, out, errs)
	}
	// Offline: revocation not checked, as before OCSP.
	if out, errs, ok = c.run(t, "", "verify", p7m, "--anchors", caPEM, "--lang", "en", "--offline"); !ok || !strings.Contains(out, "Revocation:    not checked") {
		t.Fatalf("ponte verify --offline: ok=%v\n%s\n%s", ok, out, errs)
	}
	// A second signature on the .p7m: a parallel signer (RFC 5652 §5.1); openssl checks both.
	p7m2 := filepath.Join(dir, "lettera-2.txt.p7m")
	if out, errs, ok = c.run(t, pins, "sign", "--in", p7m, "--out", p7m2); !ok || !strings.Contains(out, "(parallel)") {
		t.Fatalf("ponte sign (parallel) failed:\n%s\n%s", out, errs)
	}
	mustRun(t, openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7m2, "-CAfile", caPEM, "-out", extracted)
	if b, _ := os.ReadFile(extracted); !bytes.Equal(b, content) {
		t.Fatalf("openssl extracted %q from the parallel .p7m", b)
	}
	if out, errs, ok = c.run(t, "", "verify", p7m2, "--anchors", caPEM); !ok || !strings.Contains(out, "Firma 2") || strings.Contains(out, "Firma 3") {
		t.Fatalf("ponte verify (parallel): ok=%v\n%s\n%s", ok, out, errs)
	}

	// Without anchors the chain is not checked and verify says so by failing.
	if out, _, ok = c.run(t, "", "verify", p7m); ok || !strings.Contains(out, "non verificato") {
		t.Fatalf("verify without anchors: ok=%v\n%s", ok, out)
	}

	// A detached .p7s, verified with its original.
	p7s := filepath.Join(dir, "lettera.txt.p7s")
	if out, errs, ok = c.run(t, pins, "sign", "--in", text, "--out", p7s, "--format", "p7s"); !ok {
		t.Fatalf("ponte sign (p7s) failed:\n%s\n%s", out, errs)
	}
	mustRun(t, openssl, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", p7s, "-content", text, "-CAfile", caPEM, "-out", os.DevNull)
	if out, errs, ok = c.run(t, "", "verify", p7s, "--detached", text, "--anchors", caPEM); !ok {
		t.Fatalf("ponte verify (p7s): %s\n%s", out, errs)
	}

	// A wrong PIN: the host's clear error, no output file.
	wrong := filepath.Join(dir, "wrong.pdf")
	out, errs, ok = c.run(t, "00000000\n", "sign", "--in", in, "--out", wrong)
	if ok || !strings.Contains(errs, "PIN") {
		t.Fatalf("wrong PIN: ok=%v\n%s\n%s", ok, out, errs)
	}
	t.Logf("wrong PIN: %s", errs)
	assertNoOutput(t, dir, wrong)

	// Not a PDF, named .pdf: refused before the PIN is asked (empty stdin), nothing written.
	fake := filepath.Join(dir, "fattura.pdf")
	os.WriteFile(fake, []byte("\x89PNG\r\n\x1a\nnot a pdf"), 0o644)
	bad := filepath.Join(dir, "fattura-firmata.pdf")
	out, errs, ok = c.run(t, "", "sign", "--in", fake, "--out", bad)
	if ok || !strings.Contains(errs, "non è un PDF") || !strings.Contains(errs, "not a PDF") {
		t.Fatalf("non-PDF: ok=%v\n%s\n%s", ok, out, errs)
	}
	assertNoOutput(t, dir, bad)

	// The card's signature certificate revoked (keyCompromise) at ponte-ca: the time-stamped PDF,
	// signed seconds before, stays valid; the .p7m, with no time stamp, is not.
	sd, err := cms.ParseSource(mustOpen(t, p7m))
	if err != nil {
		t.Fatal(err)
	}
	// Revocation times have whole seconds (RFC 5280 GeneralizedTime): wait for the next second so the
	// revocation is after the time stamp.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
	if err := c.bed.CA.Revoke(context.Background(), sd.Signers[0].FindCertificate(sd.Certs).SerialNumber, 1); err != nil {
		t.Fatal(err)
	}
	if out, errs, ok = c.run(t, "", "verify", signed, "--anchors", caPEM); !ok || !strings.Contains(out, "REVOCATO il ") ||
		!strings.Contains(out, "motivo: compromissione della chiave; la firma ha una marca temporale precedente alla revoca e resta valida") {
		t.Fatalf("ponte verify (pdf, revoked later): ok=%v\n%s\n%s", ok, out, errs)
	}
	if out, errs, ok = c.run(t, "", "verify", p7m, "--anchors", caPEM, "--lang", "en"); ok || !strings.Contains(out, "REVOKED on ") ||
		!strings.Contains(out, "reason: key compromise; the signature is not proven to predate the revocation") {
		t.Fatalf("ponte verify (p7m, revoked): ok=%v\n%s\n%s", ok, out, errs)
	}
	t.Logf("revoked:\n%s", out)
}

func mustOpen(t *testing.T, path string) docio.Source {
	t.Helper()
	src, err := docio.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// assertNoOutput: the output file is absent and no temporary file was left next to it.
func assertNoOutput(t *testing.T, dir, path string) {
	t.Helper()
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("%s was written", path)
	}
	tmps, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(tmps) > 0 {
		t.Fatalf("temporary files left: %v", tmps)
	}
}
