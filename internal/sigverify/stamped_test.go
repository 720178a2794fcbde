package sigverify

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/tsfile"
	"github.com/ponte-it/ponte/internal/tsp"
)

// stampBed is one test PKI, its TSA on loopback and a work directory.
type stampBed struct {
	pki     *signtest.PKI
	tsa     *tsp.Client
	dir     string
	openssl string
	caFile  string
	opts    cms.VerifyOptions
}

func newStampBed(t *testing.T) *stampBed {
	pki := signtest.NewPKI(t)
	srv := httptest.NewServer(&tsp.Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: []int{1, 3, 6, 1, 4, 1, 99999, 1, 1}})
	t.Cleanup(srv.Close)
	b := &stampBed{pki: pki, tsa: &tsp.Client{URL: srv.URL}, dir: t.TempDir(), openssl: testenv.Tool(t, "openssl"),
		opts: cms.VerifyOptions{Anchors: cms.StaticAnchors{pki.Root.Cert()}}}
	b.caFile = signtest.WritePEM(t, b.dir, "root.pem", pki.Root.Cert())
	return b
}

// create time-stamps file into out (format from out's extension) and returns out's bytes.
func (b *stampBed) create(t *testing.T, file, out string) []byte {
	src, err := docio.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	parts, err := tsfile.Create(context.Background(), src, file, tsfile.KindOfName(out), b.tsa)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := docio.WriteParts(&buf, src, parts); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (b *stampBed) verify(t *testing.T, file, detached string) *Report {
	t.Helper()
	rep, err := b.verifyErr(file, detached)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (b *stampBed) verifyErr(file, detached string) (*Report, error) {
	src, err := docio.OpenFile(file)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var det docio.Source
	if detached != "" {
		d, err := docio.OpenFile(detached)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		det = d
	}
	return File(src, det, b.opts)
}

func write(t *testing.T, path string, b []byte) string {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStampFiles: a file time-stamped by the test TSA as .tsr, .tsd and .m7m. Independent checks:
// `openssl ts -verify` accepts the .tsr for the file; `openssl asn1parse` reads the .tsd as
// id-smime-ct-timestampedData, its content is the file byte for byte and the token it finds there
// verifies with `openssl ts -verify -token_in` against the file; Python's email package splits the
// .m7m into the .p7m (openssl's own envelope, byte for byte, which `openssl cms -verify` accepts) and
// the .tsr, which `openssl ts -verify` accepts for that .p7m. Ponte's verifier: every stamp valid with
// its time; the .m7m's signer valid and judged at the stamp's time; the document is given back.
func TestStampFiles(t *testing.T) {
	b := newStampBed(t)
	doc := write(t, filepath.Join(b.dir, "atto.pdf"), []byte("%PDF-1.4 un atto da marcare\n"+strings.Repeat("x", 5000)))
	run := func(args ...string) string { return signtest.Run(t, b.openssl, args...) }

	// .tsr
	tsr := filepath.Join(b.dir, "atto.pdf.tsr")
	b.create(t, doc, tsr)
	if out := run("ts", "-verify", "-data", doc, "-in", tsr, "-CAfile", b.caFile); !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify .tsr: %s", out)
	}
	rep := b.verify(t, tsr, doc)
	if rep.Format != FormatTSR || len(rep.Stamps) != 1 || !rep.AllValid() || rep.Stamps[0].Verified.Info.GenTime.IsZero() {
		t.Fatalf(".tsr: %+v %+v", rep, rep.Verdict())
	}

	// .tsd
	tsd := filepath.Join(b.dir, "atto.pdf.tsd")
	tsdBytes := b.create(t, doc, tsd)
	dump := run("asn1parse", "-inform", "DER", "-in", tsd)
	if !strings.Contains(dump, "id-smime-ct-timestampedData") && !strings.Contains(dump, "1.2.840.113549.1.9.16.1.31") {
		t.Fatalf("asn1parse: no timestampedData OID:\n%s", dump)
	}
	content := asn1Element(t, dump, tsdBytes, 3, "OCTET STRING", false)
	if want, _ := os.ReadFile(doc); !bytes.Equal(content, want) {
		t.Fatal(".tsd content is not the file")
	}
	token := write(t, filepath.Join(b.dir, "tsd-token.der"), asn1Element(t, dump, tsdBytes, 5, "SEQUENCE", true))
	if out := run("ts", "-verify", "-data", doc, "-in", token, "-token_in", "-CAfile", b.caFile); !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify .tsd token: %s", out)
	}
	rep = b.verify(t, tsd, "")
	if rep.Format != FormatTSD || !rep.AllValid() || len(rep.Content) != 1 {
		t.Fatalf(".tsd: %+v %+v", rep, rep.Verdict())
	}
	if got, _ := docio.ReadRange(docio.Bytes(tsdBytes), rep.Content[0]); !bytes.Equal(got, content) {
		t.Fatal(".tsd: the document given back is not the file")
	}

	// .m7m around an openssl .p7m
	cert := signtest.WritePEM(t, b.dir, "signer.pem", b.pki.Signer.Cert())
	chain := signtest.WritePEM(t, b.dir, "chain.pem", b.pki.Signer.Chain[1:]...)
	key := filepath.Join(b.dir, "signer.key")
	signtest.WriteKey(t, key, b.pki.Signer.Key)
	p7m := filepath.Join(b.dir, "atto.pdf.p7m")
	run("cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-md", "sha256", "-in", doc, "-signer", cert, "-inkey", key, "-certfile", chain, "-out", p7m)
	m7m := filepath.Join(b.dir, "atto.pdf.m7m")
	m7mBytes := b.create(t, p7m, m7m)
	parts := filepath.Join(b.dir, "parts")
	os.Mkdir(parts, 0o755)
	py, err := exec.Command("python3", "testdata/mimeparts.py", m7m, parts).CombinedOutput()
	if err != nil {
		t.Fatalf("python email: %v %s", err, py)
	}
	if !strings.Contains(string(py), "application/pkcs7-mime atto.pdf.p7m") || !strings.Contains(string(py), "application/timestamp-reply atto.pdf.p7m.tsr") {
		t.Fatalf("python email parts:\n%s", py)
	}
	if got, _ := os.ReadFile(filepath.Join(parts, "atto.pdf.p7m")); !bytes.Equal(got, mustRead(t, p7m)) {
		got, _ := os.ReadFile(filepath.Join(parts, "atto.pdf.p7m"))
		want := mustRead(t, p7m)
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf(".m7m: the .p7m part is not the envelope byte for byte (%d and %d bytes, first difference at %d: %q / %q)", len(got), len(want), i, got[i:min(i+8, len(got))], want[i:min(i+8, len(want))])
	}
	if out := run("ts", "-verify", "-data", p7m, "-in", filepath.Join(parts, "atto.pdf.p7m.tsr"), "-CAfile", b.caFile); !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify .m7m's tsr: %s", out)
	}
	run("cms", "-verify", "-binary", "-inform", "DER", "-in", filepath.Join(parts, "atto.pdf.p7m"), "-CAfile", b.caFile, "-purpose", "any", "-out", filepath.Join(b.dir, "out.pdf"))
	rep = b.verify(t, m7m, "")
	if rep.Format != FormatM7M || !rep.AllValid() || len(rep.Signers) != 1 || len(rep.Stamps) != 1 {
		t.Fatalf(".m7m: %+v %+v", rep, rep.Verdict())
	}
	if s := rep.Signers[0]; !s.TimeStamped || !s.Time.Equal(rep.Stamps[0].Verified.Info.GenTime) {
		t.Fatalf(".m7m: the signature is not judged at the stamp's time: %+v", s)
	}
	var got bytes.Buffer
	docio.WriteParts(&got, rep.ContentSource(docio.Bytes(m7mBytes)), rep.ContentParts())
	if !bytes.Equal(got.Bytes(), mustRead(t, doc)) {
		t.Fatal(".m7m: the document given back is not the file")
	}
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var asn1Line = regexp.MustCompile(`(?m)^\s*(\d+):d=(\d+)\s+hl=\s*(\d+)\s+l=\s*(\d+)\s+(?:prim|cons):\s+(.+?)\s*(?::|$)`)

// asn1Element cuts out of der the first element at depth d of type typ that openssl asn1parse lists
// (the contents only, or the whole TLV).
func asn1Element(t *testing.T, dump string, der []byte, d int, typ string, whole bool) []byte {
	for _, m := range asn1Line.FindAllStringSubmatch(dump, -1) {
		off, _ := strconv.Atoi(m[1])
		depth, _ := strconv.Atoi(m[2])
		hl, _ := strconv.Atoi(m[3])
		l, _ := strconv.Atoi(m[4])
		if depth != d || !strings.HasPrefix(m[5], typ) {
			continue
		}
		if whole {
			return der[off : off+hl+l]
		}
		return der[off+hl : off+hl+l]
	}
	t.Fatalf("asn1parse: no %s at depth %d:\n%s", typ, d, dump)
	return nil
}

// TestStampFilesBadInput: a truncated .tsr, a .tsd whose content was changed after stamping, an .m7m
// without its .tsr part and one whose boundary parameter does not match its parts: each refused (or
// judged NON VALIDA) with a specific reason in Italian and English; a .tsr without its file is refused.
func TestStampFilesBadInput(t *testing.T) {
	b := newStampBed(t)
	doc := write(t, filepath.Join(b.dir, "lettera.txt"), []byte("Gentile cliente, ...\n"))
	tsr := filepath.Join(b.dir, "lettera.txt.tsr")
	tsrBytes := b.create(t, doc, tsr)
	tsd := filepath.Join(b.dir, "lettera.txt.tsd")
	tsdBytes := b.create(t, doc, tsd)
	p7m := filepath.Join(b.dir, "lettera.txt.p7m")
	src, _ := docio.OpenFile(doc)
	parts, err := cms.SignFile(context.Background(), src, b.pki.Signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: b.pki.Signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var env bytes.Buffer
	docio.WriteParts(&env, src, parts)
	src.Close()
	write(t, p7m, env.Bytes())
	m7mBytes := b.create(t, p7m, filepath.Join(b.dir, "lettera.txt.m7m"))

	refused := []struct {
		name, file, detached, it, en string
	}{
		{"truncated tsr", write(t, filepath.Join(b.dir, "cut.tsr"), tsrBytes[:len(tsrBytes)/2]), doc, "non è una risposta di marca temporale", "not an RFC 3161 time-stamp response"},
		{"tsr alone", tsr, "", "serve anche il file marcato", "the time-stamped file is needed"},
		{"truncated tsd", write(t, filepath.Join(b.dir, "cut.tsd"), tsdBytes[:len(tsdBytes)-40]), "", "struttura RFC 5544 non valida", "not a valid RFC 5544 structure"},
		{"m7m without tsr", write(t, filepath.Join(b.dir, "notsr.m7m"), dropTSRPart(t, m7mBytes)), "", "manca la parte con la marca temporale", "the part with the .tsr time stamp is missing"},
		{"m7m wrong boundary", write(t, filepath.Join(b.dir, "boundary.m7m"), regexp.MustCompile(`boundary="[^"]+"`).ReplaceAll(m7mBytes, []byte(`boundary="altro"`))), "", `il separatore "altro" non si trova`, `the separator "altro" is not in the file`},
		{"m7m not MIME multipart", write(t, filepath.Join(b.dir, "plain.m7m"), []byte("Mime-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nciao\r\n")), "", "non è un messaggio MIME multipart", "not a MIME multipart message"},
	}
	for _, c := range refused {
		_, err := b.verifyErr(c.file, c.detached)
		var se *signerr.Error
		if !asSignerr(err, &se) || !strings.Contains(se.IT, c.it) || !strings.Contains(se.EN, c.en) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// The content changed after stamping: the structure reads, the imprint does not match.
	i := bytes.Index(tsdBytes, []byte("Gentile"))
	changed := bytes.Clone(tsdBytes)
	changed[i] = 'g'
	rep := b.verify(t, write(t, filepath.Join(b.dir, "changed.tsd"), changed), "")
	v := rep.Verdict()
	if v.Level != LevelNotValid || v.SubIndication != SubHashFailure || !rep.Stamps[0].Mismatch() ||
		!strings.Contains(v.Reasons[0].IT, "non è quello marcato") || !strings.Contains(v.Reasons[0].EN, "not the one time-stamped") {
		t.Fatalf("changed .tsd: %+v", v)
	}
	// A .tsr checked against another file: NON VALIDA, same reason.
	other := write(t, filepath.Join(b.dir, "altra.txt"), []byte("altro"))
	if v := b.verify(t, tsr, other).Verdict(); v.Level != LevelNotValid || v.SubIndication != SubHashFailure {
		t.Fatalf(".tsr against another file: %+v", v)
	}
	// Without anchors the TSA is not trusted: NON VERIFICABILE, not valid.
	b.opts = cms.VerifyOptions{}
	if v := b.verify(t, tsr, doc).Verdict(); v.Level != LevelCannotVerify {
		t.Fatalf(".tsr without anchors: %+v", v)
	}
}

func asSignerr(err error, se **signerr.Error) bool {
	e, ok := err.(*signerr.Error)
	*se = e
	return ok
}

// dropTSRPart removes the .tsr part of an .m7m (everything from its delimiter to the closing one).
func dropTSRPart(t *testing.T, m []byte) []byte {
	i := bytes.Index(m, []byte("Content-Type: application/timestamp-reply"))
	j := bytes.LastIndex(m[:i], []byte("\r\n--"))
	end := bytes.LastIndex(m, []byte("--\r\n"))
	if i < 0 || j < 0 || end < 0 {
		t.Fatal("no tsr part")
	}
	k := bytes.LastIndex(m[:end], []byte("\r\n--"))
	return append(append([]byte(nil), m[:j]...), m[k:]...)
}
