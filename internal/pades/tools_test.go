package pades

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// pdfcpuVersion is the pdfcpu release used as an independent verifier; v0.11.0 is the first with
// `pdfcpu signatures validate`.
const pdfcpuVersion = "v0.11.0"

// verifiers are the independent tools and the trust settings they need.
type verifiers struct {
	pdfsig, mutool, qpdf, pdfcpu string
	nssDir, pdfcpuConf           string
}

// newVerifiers finds the tools, makes an NSS database trusting the test root for pdfsig, builds pdfcpu
// and imports the test root into its own configuration folder.
func newVerifiers(t *testing.T, pki *signtest.PKI) *verifiers {
	v := &verifiers{
		pdfsig: testenv.Tool(t, "pdfsig"),
		mutool: testenv.Tool(t, "mutool"),
		qpdf:   testenv.Tool(t, "qpdf"),
	}
	certutil := testenv.Tool(t, "certutil")
	gobin := testenv.Tool(t, "go")
	dir := t.TempDir()
	root := signtest.WritePEM(t, dir, "root.pem", pki.Root.Cert())
	v.nssDir = filepath.Join(dir, "nss")
	os.Mkdir(v.nssDir, 0o700)
	run(t, certutil, "-N", "-d", "sql:"+v.nssDir, "--empty-password")
	run(t, certutil, "-A", "-d", "sql:"+v.nssDir, "-n", "ponte-test-root", "-t", "CT,C,C", "-i", root)

	bin := filepath.Join(dir, "bin")
	cmd := exec.Command(gobin, "install", "github.com/pdfcpu/pdfcpu/cmd/pdfcpu@"+pdfcpuVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		testenv.Missing(t, "cannot build pdfcpu "+pdfcpuVersion+": "+err.Error()+"\n"+string(out))
	}
	v.pdfcpu = filepath.Join(bin, "pdfcpu")
	v.pdfcpuConf = filepath.Join(dir, "pdfcpu-conf")
	os.Mkdir(v.pdfcpuConf, 0o700)
	run(t, v.pdfcpu, "certificates", "import", "-c", v.pdfcpuConf, root)
	return v
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	return signtest.Run(t, name, args...)
}

// check runs every verifier on a file that must hold n signatures, all valid, the last covering the
// whole file.
func (v *verifiers) check(t *testing.T, file string, n int) {
	t.Helper()
	v.checkPdfsig(t, file, n, nil)
	v.checkMutool(t, file, n, 0)
	v.checkQpdf(t, file)
	v.checkPdfcpu(t, file, n)
}

// checkPdfsig parses pdfsig's report strictly: n signatures, each "Signature is Valid." and
// "Certificate is Trusted." (the NSS database trusts the test root), SHA-256, ETSI.CAdES.detached,
// and the last one "Total document signed".
func (v *verifiers) checkPdfsig(t *testing.T, file string, n int, subFilters []string) {
	t.Helper()
	if subFilters == nil {
		for range n {
			subFilters = append(subFilters, "ETSI.CAdES.detached")
		}
	}
	out := run(t, v.pdfsig, "-nssdir", "sql:"+v.nssDir, file)
	blocks := regexp.MustCompile(`(?m)^Signature #\d+:\n`).Split(out, -1)[1:]
	if len(blocks) != n {
		t.Fatalf("pdfsig found %d signatures, want %d:\n%s", len(blocks), n, out)
	}
	for i, b := range blocks {
		for _, want := range []string{"  - Signature Validation: Signature is Valid.\n", "  - Certificate Validation: Certificate is Trusted.\n",
			"  - Signing Hash Algorithm: SHA-256\n", "  - Signature Type: " + subFilters[i] + "\n"} {
			if !strings.Contains(b, want) {
				t.Fatalf("pdfsig signature %d lacks %q:\n%s", i+1, want, out)
			}
		}
		covered := strings.Contains(b, "  - Total document signed\n")
		if covered != (i == n-1) {
			t.Fatalf("pdfsig signature %d: total document signed = %v:\n%s", i+1, covered, out)
		}
	}
}

// checkMutool parses `mutool sign -v`: n signatures, no digest or validity errors, the last "unchanged
// since signing", earlier ones "valid but there have been edits" (the later signatures). mutool has no
// trust-store option, so its only accepted certificate remark is "Self-signed certificate in chain":
// it built the chain up to the test root and did not find it in a store. The first `foreign` signatures
// (made by other tools, whose CMS may lack the chain) may have any certificate remark.
func (v *verifiers) checkMutool(t *testing.T, file string, n, foreign int) {
	t.Helper()
	out := run(t, v.mutool, "sign", "-v", file)
	blocks := regexp.MustCompile(`(?m)^Verifying signature \d+:\n`).Split(out, -1)[1:]
	if len(blocks) != n {
		t.Fatalf("mutool found %d signatures, want %d:\n%s", len(blocks), n, out)
	}
	for i, b := range blocks {
		want := "The signature is valid but there have been edits since signing."
		if i == n-1 {
			want = "The document is unchanged since signing."
		}
		if !strings.Contains(b, want) {
			t.Fatalf("mutool signature %d lacks %q:\n%s", i+1, want, out)
		}
		for _, line := range strings.Split(strings.TrimSpace(b), "\n") {
			line = strings.TrimSpace(line)
			switch {
			case strings.HasPrefix(line, "Distinguished name:"), line == want,
				line == "Certificate error: Self-signed certificate in chain.",
				i < foreign && strings.HasPrefix(line, "Certificate error: "):
			default:
				t.Fatalf("mutool signature %d: unexpected line %q:\n%s", i+1, line, out)
			}
		}
	}
}

func (v *verifiers) checkQpdf(t *testing.T, file string) {
	t.Helper()
	out := run(t, v.qpdf, "--check", file)
	if !strings.Contains(out, "No syntax or stream encoding errors found") || strings.Contains(out, "WARNING") {
		t.Fatalf("qpdf --check:\n%s", out)
	}
}

// checkPdfcpu parses `pdfcpu signatures validate -a`: n signatures, each "signature is valid" (pdfcpu
// also checks revocation: the signer certificates point to a CRL the test serves on loopback).
func (v *verifiers) checkPdfcpu(t *testing.T, file string, n int) {
	t.Helper()
	out := run(t, v.pdfcpu, "signatures", "validate", "-c", v.pdfcpuConf, "-a", "--", file)
	status := regexp.MustCompile(`(?m)^\s+Status: (.*)$`).FindAllStringSubmatch(out, -1)
	if len(status) != n {
		t.Fatalf("pdfcpu reported %d signatures, want %d:\n%s", len(status), n, out)
	}
	for i, s := range status {
		if s[1] != "signature is valid" {
			t.Fatalf("pdfcpu signature %d: %q:\n%s", i+1, s[1], out)
		}
	}
	if m := regexp.MustCompile(`(?m)^(\d+) signatures present`).FindStringSubmatch(out); n > 1 && (m == nil || m[1] != strconv.Itoa(n)) {
		t.Fatalf("pdfcpu count line:\n%s", out)
	}
}

// crlServer serves the intermediate's CRL on loopback; the PKI is made after the URL is known.
func crlServer(t *testing.T) (*signtest.PKI, string) {
	var mu sync.Mutex
	var crl []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/pkix-crl")
		w.Write(crl)
	}))
	t.Cleanup(srv.Close)
	pki := signtest.NewPKIWithCRL(t, srv.URL+"/intermediate.crl")
	mu.Lock()
	crl = pki.IntermediateCRL(t)
	mu.Unlock()
	return pki, srv.URL
}

// TestIndependentVerifiers signs every corpus file (Ghostscript, qpdf with object streams and an xref
// stream, qpdf classic, Chromium, LibreOffice) and every generated style (classic, xref stream,
// hybrid, incremental) once invisibly with RSA, then again visibly with ECDSA, and has pdfsig, mutool,
// qpdf and pdfcpu check both files.
func TestIndependentVerifiers(t *testing.T) {
	pki, _ := crlServer(t)
	v := newVerifiers(t, pki)
	dir := t.TempDir()
	for _, in := range inputs(t) {
		t.Run(in.name, func(t *testing.T) {
			once := signBytes(t, pki.Signer, in.data, Options{Time: fixedTime, Reason: "Test", Location: "Roma"})
			box := Appearance{Page: 1, Left: 320, Bottom: 40, Width: 240, Height: 60}
			if in.name == "gen-rotated" { // a box that is 240×60 as the turned page is shown
				box = Appearance{Page: 1, Left: 40, Bottom: 320, Width: 60, Height: 240}
			}
			twice := signBytes(t, pki.ECSigner, once, Options{Time: fixedTime, Visible: &box})
			f1, f2 := filepath.Join(dir, in.name+".1.pdf"), filepath.Join(dir, in.name+".2.pdf")
			os.WriteFile(f1, once, 0o644)
			os.WriteFile(f2, twice, 0o644)
			v.check(t, f1, 1)
			v.check(t, f2, 2)
			checkRendered(t, v.mutool, f2, twice, box)
		})
	}
}

// TestTimeStampedSignature (B-T): the signature time stamp comes from our tsp.Responder on
// 127.0.0.1; pdfsig and pdfcpu accept the file, and openssl reads the token out of the CMS and verifies
// it against the SHA-256 of the signature value with the test root.
func TestTimeStampedSignature(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	pki, _ := crlServer(t)
	v := newVerifiers(t, pki)
	tsa := startTSA(t, pki)
	data, _ := os.ReadFile(filepath.Join("testdata", "corpus", "libreoffice.pdf"))
	signed := signBytes(t, pki.Signer, data, Options{Time: fixedTime, TimeStamper: tsa})
	dir := t.TempDir()
	file := filepath.Join(dir, "bt.pdf")
	os.WriteFile(file, signed, 0o644)
	v.check(t, file, 1)

	rep, err := Verify(docio.Bytes(signed), cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}})
	if err != nil || len(rep.Signatures) != 1 {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if !s.Valid() || s.TimeStamp.IsZero() || s.TimeStampChain != cms.ChainValid {
		t.Fatalf("%+v", s)
	}
	// pdfcpu sees the signature time stamp and reads the same time from it.
	full := run(t, v.pdfcpu, "signatures", "validate", "-c", v.pdfcpuConf, "-f", "--", file)
	m := regexp.MustCompile(`(?m)^\s+Timestamp:\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})$`).FindStringSubmatch(full)
	if m == nil {
		t.Fatalf("pdfcpu shows no time stamp:\n%s", full)
	}
	if ts, err := time.Parse("2006-01-02 15:04:05 -0700", m[1]); err != nil || !ts.Equal(s.TimeStamp) {
		t.Fatalf("pdfcpu time stamp %s, ours %v", m[1], s.TimeStamp)
	}
	// pdfsig extracts the CMS (-dump); it must be exactly ours, and openssl judges it.
	cmd := exec.Command(v.pdfsig, "-nocert", "-dump", file)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pdfsig -dump: %v\n%s", err, out)
	}
	cmsFile, tokFile := file+".sig0", filepath.Join(dir, "tok.der")
	dumped, err := os.ReadFile(cmsFile)
	if err != nil {
		t.Fatal(err)
	}
	sd, si := contentsOf(t, signed)
	// The dump is the whole /Contents: our DER, then the placeholder's zero padding.
	if len(dumped) < len(sd) || !bytes.Equal(dumped[:len(sd)], sd) || bytes.Trim(dumped[len(sd):], "\x00") != nil && len(bytes.Trim(dumped[len(sd):], "\x00")) > 0 {
		t.Fatalf("pdfsig dumped %d bytes, our CMS is %d", len(dumped), len(sd))
	}
	tok := cms.Attr(si.UnsignedAttrs, cms.OIDAttrTimeStampToken)
	if tok == nil {
		t.Fatal("no signature-time-stamp attribute")
	}
	os.WriteFile(tokFile, tok, 0o644)
	printed := run(t, openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", cmsFile)
	for _, want := range []string{"id-smime-aa-timeStampToken", "id-smime-aa-signingCertificateV2", "messageDigest", "contentType"} {
		if !strings.Contains(printed, want) {
			t.Fatalf("openssl cms -print lacks %s", want)
		}
	}
	signedAttrs := printed[strings.Index(printed, "signedAttrs:"):strings.Index(printed, "signatureAlgorithm:")]
	if strings.Contains(signedAttrs, "signingTime") {
		t.Fatal("PAdES CMS carries signing-time (EN 319 142-1 §5.4.3)")
	}
	// openssl checks the CMS as a detached CAdES signature of the signed byte ranges.
	br := rep.Signatures[0].ByteRange
	content := filepath.Join(dir, "ranges.bin")
	os.WriteFile(content, append(append([]byte(nil), signed[br[0]:br[0]+br[1]]...), signed[br[2]:br[2]+br[3]]...), 0o644)
	ca0 := signtest.WritePEM(t, dir, "ca0.pem", pki.Root.Cert())
	run(t, openssl, "cms", "-verify", "-binary", "-cades", "-inform", "DER", "-in", cmsFile, "-content", content, "-CAfile", ca0, "-out", filepath.Join(dir, "out.bin"))
	text := run(t, openssl, "ts", "-reply", "-token_in", "-in", tokFile, "-text")
	if !strings.Contains(text, "Time stamp: ") || !strings.Contains(text, "Hash Algorithm: sha256") {
		t.Fatalf("openssl ts -reply -text:\n%s", text)
	}
	d := sha256.Sum256(si.Signature)
	ca := signtest.WritePEM(t, dir, "ca.pem", pki.Root.Cert())
	out := run(t, openssl, "ts", "-verify", "-token_in", "-in", tokFile, "-digest", hex.EncodeToString(d[:]), "-CAfile", ca)
	if !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify: %s", out)
	}
}

func startTSA(t *testing.T, pki *signtest.PKI) cms.TimeStamper {
	srv := httptest.NewServer(&tspResponder{pki: pki})
	t.Cleanup(srv.Close)
	return newTSPClient(srv.URL, pki)
}
