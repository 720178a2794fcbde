package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// changeBed is the adversarial corpus's workshop: the PKI, the tools nobody here wrote, and an NSS
// database in which pdfsig trusts the test root and holds the signer's key.
type changeBed struct {
	t                    *testing.T
	pki                  *signtest.PKI
	dir, ca, bin, nss    string
	mutool, qpdf, pdfsig string
	corpus               string
}

func newChangeBed(t *testing.T) *changeBed {
	b := &changeBed{t: t, pki: signtest.NewPKI(t), dir: t.TempDir(),
		mutool: testenv.Tool(t, "mutool"), qpdf: testenv.Tool(t, "qpdf"), pdfsig: testenv.Tool(t, "pdfsig"),
		corpus: filepath.Join("..", "..", "internal", "pades", "testdata", "corpus")}
	certutil, pk12util, openssl := testenv.Tool(t, "certutil"), testenv.Tool(t, "pk12util"), testenv.Tool(t, "openssl")
	b.bin = testenv.Build(t, "cmd/ponte", "ponte")
	b.ca = signtest.WritePEM(t, b.dir, "root.pem", b.pki.Root.Cert())
	b.nss = filepath.Join(b.dir, "nss")
	os.Mkdir(b.nss, 0o700)
	signtest.Run(t, certutil, "-N", "-d", "sql:"+b.nss, "--empty-password")
	signtest.Run(t, certutil, "-A", "-d", "sql:"+b.nss, "-n", "root", "-t", "CT,C,C", "-i", b.ca)
	// pdfsig signs with the RSA key: it reserves the signature's room in advance, and an ECDSA value's
	// varying length sometimes overflows it ("unable update signature").
	chain := signtest.WritePEM(t, b.dir, "chain.pem", b.pki.Signer.Chain...)
	key := filepath.Join(b.dir, "key.pem")
	signtest.WriteKey(t, key, b.pki.Signer.Key)
	p12 := filepath.Join(b.dir, "s.p12")
	signtest.Run(t, openssl, "pkcs12", "-export", "-in", chain, "-inkey", key, "-passout", "pass:", "-name", "bianchi", "-out", p12)
	signtest.Run(t, pk12util, "-i", p12, "-d", "sql:"+b.nss, "-W", "")
	return b
}

func (b *changeBed) path(name string) string { return filepath.Join(b.dir, name) }

// ponteSign signs in with Ponte (ECDSA signer, invisible) and returns the new file.
func (b *changeBed) ponteSign(in, out string) string {
	data := mustRead(b.t, in)
	res, err := pades.Sign(context.Background(), docio.Bytes(data), b.pki.ECSigner.Key, pades.Options{Chain: b.pki.ECSigner.Chain, Reason: "Approvato"})
	if err != nil {
		b.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := docio.WriteParts(&buf, docio.Bytes(data), res.Parts); err != nil {
		b.t.Fatal(err)
	}
	b.write(out, buf.Bytes())
	return out
}

// pdfsigSign adds a poppler signature (NSS, adbe.pkcs7.detached) in a new field.
func (b *changeBed) pdfsigSign(in, out string) string {
	signtest.Run(b.t, b.pdfsig, "-nssdir", "sql:"+b.nss, "-add-signature", "-nick", "bianchi",
		"-new-signature-field-name", fmt.Sprintf("Poppler%d", len(out)), "-reason", "visto", in, out)
	return out
}

// mutoolRun runs a MuPDF JavaScript on in, which saves out incrementally.
func (b *changeBed) mutoolRun(script, in, out string) string {
	js := out + ".js"
	b.write(js, []byte("var doc = new PDFDocument(scriptArgs[0]);\n"+script+"\ndoc.save(scriptArgs[1], \"incremental\");\n"))
	signtest.Run(b.t, b.mutool, "run", js, in, out)
	return out
}

// qpdfAllow runs qpdf, accepting exit status 3 (warnings: a signed file rewritten draws some).
func (b *changeBed) qpdfAllow(args ...string) {
	out, err := exec.Command(b.qpdf, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 3) {
		b.t.Fatalf("qpdf %v: %v\n%s", args, err, out)
	}
}

func (b *changeBed) write(path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// formPDF is a one-page document with a text field, certified with DocMDP P = perm when perm > 0
// (the certification dictionary is not itself signed: only its permissions matter here), written by
// qpdf from a hand-made skeleton.
func (b *changeBed) formPDF(name string, perm int) string {
	perms := ""
	if perm > 0 {
		perms = "/Perms<</DocMDP 6 0 R>>"
	}
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[5 0 R]/DA(/Helv 0 Tf 0 g)/DR<</Font<</Helv 4 0 R>>>>>>" + perms + ">>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 7 0 R/Resources<</Font<</Helv 4 0 R>>>>/Annots[5 0 R]>>",
		"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
		"<</Type/Annot/Subtype/Widget/FT/Tx/T(Nome)/Rect[72 600 372 630]/P 3 0 R/F 4/DA(/Helv 12 Tf 0 g)>>",
		fmt.Sprintf("<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P %d/V/1.2>>>>]/ByteRange[0 0 0 0]/Contents<00>>>", perm),
	}
	text := "BT /Helv 18 Tf 72 700 Td (Modulo di prova) Tj ET"
	var w bytes.Buffer
	w.WriteString("%PDF-1.7\n")
	var offs []int
	for i, o := range objs {
		offs = append(offs, w.Len())
		fmt.Fprintf(&w, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	offs = append(offs, w.Len())
	fmt.Fprintf(&w, "7 0 obj\n<</Length %d>>\nstream\n%s\nendstream\nendobj\n", len(text), text)
	x := w.Len()
	fmt.Fprintf(&w, "xref\n0 8\n0000000000 65535 f \n")
	for _, o := range offs {
		fmt.Fprintf(&w, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&w, "trailer\n<</Size 8/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", x)
	raw := b.path(name + ".raw.pdf")
	b.write(raw, w.Bytes())
	out := b.path(name + ".pdf")
	signtest.Run(b.t, b.qpdf, "--deterministic-id", raw, out)
	return out
}

// rawUpdate appends a hand-written incremental update (classic table) redefining objects.
func rawUpdate(t *testing.T, in, out string, objs map[int]string, free []int) string {
	data := mustRead(t, in)
	prev := regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`).FindSubmatch(data)
	root := regexp.MustCompile(`/Root (\d+ \d+ R)`).FindAllSubmatch(data, -1)
	size := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(data, -1)
	if prev == nil || root == nil || size == nil {
		t.Fatalf("rawUpdate: no trailer in %s", in)
	}
	var w bytes.Buffer
	w.Write(data)
	w.WriteString("\n")
	var xref strings.Builder
	for n, body := range objs {
		fmt.Fprintf(&xref, "%d 1\n%010d 00000 n \n", n, w.Len())
		fmt.Fprintf(&w, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	for _, n := range free {
		fmt.Fprintf(&xref, "%d 1\n0000000000 00001 f \n", n)
	}
	x := w.Len()
	fmt.Fprintf(&w, "xref\n0 1\n0000000000 65535 f \n%strailer\n<</Size %s/Root %s/Prev %s>>\nstartxref\n%d\n%%%%EOF\n",
		xref.String(), size[len(size)-1][1], root[len(root)-1][1], prev[1], x)
	if err := os.WriteFile(out, w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// changeCase is one corpus file: how it is made, the class Ponte must give the first signature, and
// whether it is a control (a change that keeps the signature valid).
type changeCase struct {
	name    string
	make    func(b *changeBed) string
	want    string // pades.Changes* of the first signature ("" = its integrity must fail instead)
	control bool
	warn    bool   // an attack that must at least warn (class b): ponte verify names it, exit not asserted
	detail  string // a word the first signature's details must contain (class c and b)
}

const (
	jsWhiteBox = `var p = doc.loadPage(0);
var a = p.createAnnotation("Square"); a.setRect([0, 0, 612, 842]); a.setInteriorColor([1, 1, 1]); a.setColor([1, 1, 1]); a.update();
var f = p.createAnnotation("FreeText"); f.setRect([72, 600, 500, 640]); f.setContents("IMPORTO: 1.000.000 EUR"); f.update();`
	jsStamp   = `var p = doc.loadPage(0); var a = p.createAnnotation("Stamp"); a.setRect([100, 100, 400, 200]); a.setContents("1.000.000 EUR"); a.update();`
	jsContent = `var pg = doc.findPage(0); pg.put("Contents", doc.addStream("BT /F1 24 Tf 72 700 Td (IMPORTO: 1.000.000 EUR) Tj ET", {}));`
	jsRewrite = `var c = doc.findPage(0).get("Contents"); if (c.isArray()) c = c.get(0); c.writeStream("0 0 0 rg 72 700 300 40 re f");`
	jsAddPage = `doc.insertPage(-1, doc.addPage([0, 0, 595, 842], 0, doc.newDictionary(), "BT /F1 24 Tf 72 700 Td (Allegato) Tj ET"));`
	jsDelPage = `doc.deletePage(1);`
	jsSigKey  = `var fs = doc.getTrailer().get("Root").get("AcroForm").get("Fields");
for (var i = 0; i < fs.length; i++) { var v = fs.get(i).get("V"); if (v.isDictionary()) v.put(%q, doc.newString(%q)); }`
	jsOpenJS = `var a = doc.newDictionary(); a.put("S", doc.newName("JavaScript")); a.put("JS", doc.newString("app.alert('ok')"));
doc.getTrailer().get("Root").put("OpenAction", doc.addObject(a));`
	jsFill = `var w = doc.loadPage(0).getWidgets(); for (var i = 0; i < w.length; i++) if (w[i].getFieldType() == "text") { w[i].setTextValue("Mario Rossi"); w[i].update(); }`
	jsNote = `var a = doc.loadPage(0).createAnnotation("FreeText"); a.setRect([72, 100, 300, 140]); a.setContents("visto"); a.update();`
)

func changeCases() []changeCase {
	gs := func(b *changeBed) string {
		return b.ponteSign(filepath.Join(b.corpus, "ghostscript.pdf"), b.path("gs.signed.pdf"))
	}
	objstm := func(b *changeBed) string {
		return b.ponteSign(filepath.Join(b.corpus, "qpdf-objstm.pdf"), b.path("objstm.signed.pdf"))
	}
	two := func(b *changeBed) string {
		in := filepath.Join(b.corpus, "ghostscript.pdf")
		out := b.path("two.pdf")
		signtest.Run(b.t, b.qpdf, "--empty", "--pages", in, in, "--", out)
		return b.ponteSign(out, b.path("two.signed.pdf"))
	}
	mut := func(base func(*changeBed) string, script, out string) func(*changeBed) string {
		return func(b *changeBed) string { return b.mutoolRun(script, base(b), b.path(out)) }
	}
	return []changeCase{
		{name: "mutool-whiteout-annotations", make: mut(gs, jsWhiteBox, "whiteout.pdf"), want: pades.ChangesOther, detail: "/Square"},
		{name: "mutool-whiteout-objstm", make: mut(objstm, jsWhiteBox, "whiteout2.pdf"), want: pades.ChangesOther, detail: "/FreeText"},
		{name: "mutool-stamp", make: mut(gs, jsStamp, "stamp.pdf"), want: pades.ChangesOther, detail: "/Stamp"},
		{name: "mutool-content-replaced", make: mut(gs, jsContent, "content.pdf"), want: pades.ChangesOther, detail: "contenuto della pagina 1"},
		{name: "mutool-content-rewritten", make: mut(objstm, jsRewrite, "rewrite.pdf"), want: pades.ChangesOther, detail: "contenuto della pagina 1"},
		{name: "mutool-page-added", make: mut(gs, jsAddPage, "addpage.pdf"), want: pades.ChangesOther, detail: "numero di pagine"},
		{name: "mutool-page-deleted", make: mut(two, jsDelPage, "delpage.pdf"), want: pades.ChangesOther, detail: "numero di pagine"},
		{name: "mutool-sig-M", make: mut(gs, fmt.Sprintf(jsSigKey, "M", "D:20200101000000Z"), "sigm.pdf"), want: pades.ChangesOther, detail: "/M"},
		{name: "mutool-sig-Reason", make: mut(objstm, fmt.Sprintf(jsSigKey, "Reason", "Respinto"), "sigr.pdf"), want: pades.ChangesOther, detail: "/Reason"},
		{name: "mutool-openaction-js", make: mut(gs, jsOpenJS, "openaction.pdf"), want: pades.ChangesOther, detail: "/OpenAction"},
		{name: "mutool-annot-over-pdfsig", make: func(b *changeBed) string {
			return b.mutoolRun(jsWhiteBox, b.pdfsigSign(gs(b), b.path("gs.pdfsig.pdf")), b.path("over2.pdf"))
		}, want: pades.ChangesOther, detail: "/Square"},
		{name: "raw-content-redefined", make: func(b *changeBed) string {
			in := gs(b)
			return rawUpdate(b.t, in, b.path("raw.pdf"), map[int]string{contentObj(b, in): "<</Length 20>>\nstream\n0 0 0 rg 0 0 99 99 re f\nendstream"}, nil)
		}, want: pades.ChangesOther, detail: "contenuto della pagina 1"},
		{name: "raw-content-freed", make: func(b *changeBed) string {
			in := gs(b)
			return rawUpdate(b.t, in, b.path("freed.pdf"), nil, []int{contentObj(b, in)})
		}, want: pades.ChangesOther, detail: "eliminato"},
		{name: "raw-bytes-after-eof", make: func(b *changeBed) string {
			in := gs(b)
			out := b.path("junk.pdf")
			b.write(out, append(mustRead(b.t, in), "\n9 0 obj\n<</Type/Annot/Subtype/Square>>\nendobj\n"...))
			return out
		}, want: pades.ChangesOther, detail: "dopo la fine"},
		{name: "mutool-update-broken-xref", make: func(b *changeBed) string {
			upd := b.mutoolRun(jsWhiteBox, gs(b), b.path("broken.tmp.pdf"))
			data := mustRead(b.t, upd)
			i := bytes.LastIndex(data, []byte("startxref"))
			out := b.path("broken.pdf")
			b.write(out, append(data[:i:i], "startxref\n17\n%%EOF\n"...))
			return out
		}, want: pades.ChangesOther},
		{name: "qpdf-rewrite-objstm", make: func(b *changeBed) string {
			out := b.path("qpdf-objstm.pdf")
			b.qpdfAllow("--object-streams=generate", gs(b), out)
			return out
		}},
		{name: "qpdf-deterministic-id", make: func(b *changeBed) string {
			out := b.path("qpdf-id.pdf")
			b.qpdfAllow("--deterministic-id", objstm(b), out)
			return out
		}},
		// Controls: white space after the end (a transfer's line end), further signatures, and form
		// filling the permissions allow.
		{name: "newline-after-eof", make: func(b *changeBed) string {
			out := b.path("newline.pdf")
			b.write(out, append(mustRead(b.t, gs(b)), "\r\n"...))
			return out
		}, want: pades.ChangesSignatures, control: true},
		{name: "pdfsig-on-ponte", make: func(b *changeBed) string { return b.pdfsigSign(gs(b), b.path("pdfsig-on-ponte.pdf")) },
			want: pades.ChangesSignatures, control: true},
		{name: "ponte-on-pdfsig", make: func(b *changeBed) string {
			return b.ponteSign(b.pdfsigSign(filepath.Join(b.corpus, "qpdf-objstm.pdf"), b.path("pdfsig.pdf")), b.path("ponte-on-pdfsig.pdf"))
		}, want: pades.ChangesSignatures, control: true},
		{name: "ponte-on-ponte-on-objstm", make: func(b *changeBed) string { return b.ponteSign(objstm(b), b.path("twice.pdf")) },
			want: pades.ChangesSignatures, control: true},
		{name: "fill-docmdp-p2", make: func(b *changeBed) string {
			return b.mutoolRun(jsFill, b.ponteSign(b.formPDF("form2", 2), b.path("form2.signed.pdf")), b.path("fill2.pdf"))
		}, want: pades.ChangesAllowed, control: true, detail: "Nome"},
		{name: "fill-uncertified", make: func(b *changeBed) string {
			return b.mutoolRun(jsFill, b.ponteSign(b.formPDF("form0", 0), b.path("form0.signed.pdf")), b.path("fill0.pdf"))
		}, want: pades.ChangesAllowed, control: true, detail: "Nome"},
		{name: "note-docmdp-p3", make: func(b *changeBed) string {
			return b.mutoolRun(jsNote, b.ponteSign(b.formPDF("form3", 3), b.path("form3.signed.pdf")), b.path("note3.pdf"))
		}, want: pades.ChangesAllowed, control: true, detail: "/FreeText"},
		{name: "mutool-info-title", make: mut(gs, `doc.getTrailer().get("Info").put("Title", doc.newString("Altro titolo"));`, "info.pdf"),
			want: pades.ChangesAllowed, control: true, detail: "metadati del documento (Info)"},
		{name: "note-docmdp-p2", make: func(b *changeBed) string {
			return b.mutoolRun(jsNote, b.ponteSign(b.formPDF("form2n", 2), b.path("form2n.signed.pdf")), b.path("note2.pdf"))
		}, want: pades.ChangesOther, detail: "/FreeText"},
	}
}

// contentObj is the object number of page 1's content stream.
func contentObj(b *changeBed, file string) int {
	out := signtest.Run(b.t, b.mutool, "show", file, "pages/1/Contents")
	var n int
	if m := regexp.MustCompile(`^(\d+) 0 obj`).FindStringSubmatch(out); m != nil {
		fmt.Sscan(m[1], &n)
	}
	if n == 0 {
		b.t.Fatalf("no content stream object in %s: %q", file, out)
	}
	return n
}

// drawsSame: MuPDF renders the signed revision's pages (at 20 dpi, enough to see a box or a line of
// text) exactly as the whole file's.
func (b *changeBed) drawsSame(revision []byte, file string) bool {
	dir, err := os.MkdirTemp(b.dir, "draw")
	if err != nil {
		b.t.Fatal(err)
	}
	rev := filepath.Join(dir, "rev.pdf")
	b.write(rev, revision)
	render := func(in, prefix string) [][]byte {
		out := filepath.Join(dir, prefix+"%d.png")
		if msg, err := exec.Command(b.mutool, "draw", "-q", "-r", "20", "-F", "png", "-o", out, in).CombinedOutput(); err != nil {
			b.t.Logf("mutool draw %s: %v %s", in, err, msg)
		}
		var pages [][]byte
		for i := 1; i <= 50; i++ {
			p, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%s%d.png", prefix, i)))
			if err != nil {
				break
			}
			pages = append(pages, p)
		}
		return pages
	}
	a, c := render(rev, "rev"), render(file, "file")
	if len(a) != len(c) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], c[i]) {
			return false
		}
	}
	return true
}

// toolSays is what pdfsig and `mutool sign -v` say of the first signature: edited (not the whole
// document, edits since signing) or broken (digest or signature invalid).
func (b *changeBed) toolSays(file string) (pdfsig, mutool string) {
	p, _ := exec.Command(b.pdfsig, "-nssdir", "sql:"+b.nss, file).CombinedOutput()
	first := string(p)
	if parts := regexp.MustCompile(`(?m)^Signature #\d+:\n`).Split(first, -1); len(parts) > 1 {
		first = parts[1]
	}
	switch {
	case !strings.Contains(first, "Signature is Valid"):
		pdfsig = "broken"
	case strings.Contains(first, "Total document signed") && !strings.Contains(first, "Not total"):
		pdfsig = "whole"
	default:
		pdfsig = "edited"
	}
	m, _ := exec.Command(b.mutool, "sign", "-v", file).CombinedOutput()
	first = string(m)
	if parts := regexp.MustCompile(`(?m)^Verifying signature \d+:\n`).Split(first, -1); len(parts) > 1 {
		first = parts[1]
	}
	switch {
	case strings.Contains(first, "unchanged since signing"):
		mutool = "whole"
	case strings.Contains(first, "edits since signing"):
		mutool = "edited"
	default:
		mutool = "broken"
	}
	return pdfsig, mutool
}

// TestChangesAfterSigningCorpus is the promise of docs/signing.md "Changes after signing" over a corpus
// made by MuPDF, qpdf, poppler and raw appends on Ghostscript and qpdf base files: each case gets the
// class it must (controls included), `ponte verify` exits 1 without "FIRMA VALIDA" for every (c) case
// and 0 for the controls, and wherever pdfsig or mutool sees edits since signing or a broken
// signature, Ponte's first signature is not "only signatures" unless the case is a listed control.
func TestChangesAfterSigningCorpus(t *testing.T) {
	b := newChangeBed(t)
	for _, tc := range append(changeCases(), attackCases()...) {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			file := tc.make(b)
			rep, err := pades.Verify(docio.Bytes(mustRead(t, file)), cms.VerifyOptions{Anchors: cms.StaticAnchors{b.pki.Root.Cert()}})
			if err != nil || len(rep.Signatures) == 0 {
				t.Fatalf("%s: %v", tc.name, err)
			}
			s := rep.Signatures[0]
			intact := s.IntegrityOK && s.ByteRangeOK
			ps, ms := b.toolSays(file)
			t.Logf("%s: pdfsig %s, mutool %s, ponte %q intact=%v %v", tc.name, ps, ms, s.LaterChanges, intact, s.LaterChangeDetails)
			switch {
			case tc.want == "" && intact:
				t.Fatalf("%s: the rewritten file still verifies: %+v", tc.name, s)
			case tc.want != "" && (!intact || s.LaterChanges != tc.want):
				t.Fatalf("%s: class %q (intact %v), want %q: %v", tc.name, s.LaterChanges, intact, tc.want, s.LaterChangeDetails)
			case tc.detail != "" && !strings.Contains(strings.Join(s.LaterChangeDetails, "\n"), tc.detail):
				t.Fatalf("%s: details lack %q: %v", tc.name, tc.detail, s.LaterChangeDetails)
			}
			// The cross-check with the independent verifiers.
			seen := ps != "whole" || ms != "whole"
			if seen && intact && !tc.control && !tc.warn && (s.LaterChanges == pades.ChangesNone || s.LaterChanges == pades.ChangesSignatures) {
				t.Fatalf("%s: pdfsig %s / mutool %s, Ponte says %q", tc.name, ps, ms, s.LaterChanges)
			}
			// What a citizen sees: where the pages the signed revision draws differ from the file's, the
			// first signature is not "nothing" or "only signatures" without naming what was added.
			if rev, ok := s.SignedRevision(); ok && intact {
				same := b.drawsSame(mustRead(t, file)[:rev.Len], file)
				t.Logf("%s: drawn as signed: %v", tc.name, same)
				if !same && (s.LaterChanges == pades.ChangesNone || s.LaterChanges == pades.ChangesSignatures && len(s.LaterChangeDetails) == 0) {
					t.Fatalf("%s: the pages draw differently from the signed revision, Ponte says %q", tc.name, s.LaterChanges)
				}
			}
			// End to end: the command's verdict and exit status.
			cmd := exec.Command(b.bin, "verify", file, "--anchors", b.ca, "--offline")
			cmd.Env = append(os.Environ(), "PONTE_TSL_URL=off")
			out, err := cmd.CombinedOutput()
			first := strings.SplitN(string(out), "\nFirma 2\n", 2)[0]
			switch {
			case tc.warn:
				if !strings.Contains(first, tc.detail) {
					t.Fatalf("%s: ponte verify does not name %q:\n%s", tc.name, tc.detail, out)
				}
			case tc.control:
				if err != nil || strings.Contains(string(out), "NON VALIDA") {
					t.Fatalf("%s: control not valid: %v\n%s", tc.name, err, out)
				}
			default:
				if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || strings.Contains(first, "FIRMA VALIDA") {
					t.Fatalf("%s: ponte verify: %v\n%s", tc.name, err, out)
				}
			}
		})
	}
}

// TestVerifyRevisionCLI: `ponte verify FILE --revision N OUT` writes exactly the bytes signature N signs
// (the file before MuPDF's later change), still exiting 1 for the modified file; a signature number out
// of range, OUT naming the verified file, and a missing OUT are refused with a clear error and write
// nothing.
func TestVerifyRevisionCLI(t *testing.T) {
	b := newChangeBed(t)
	signed := b.ponteSign(filepath.Join(b.corpus, "ghostscript.pdf"), b.path("firmato.pdf"))
	file := b.mutoolRun(jsWhiteBox, signed, b.path("contratto.pdf"))
	run := func(args ...string) (string, int) {
		cmd := exec.Command(b.bin, append([]string{"verify", file, "--anchors", b.ca, "--offline"}, args...)...)
		cmd.Env = append(os.Environ(), "PONTE_TSL_URL=off")
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	out := b.path("versione-firmata.pdf")
	said, code := run("--revision", "1", out)
	if code != 1 || !strings.Contains(said, "scritta / revision signed by signature 1 written") {
		t.Fatalf("exit %d:\n%s", code, said)
	}
	if got := mustRead(t, out); !bytes.Equal(got, mustRead(t, signed)) {
		t.Fatalf("the revision (%d bytes) is not the signed file", len(got))
	}
	before := mustRead(t, file)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--revision", "2", b.path("x2.pdf")}, "la firma 2 non esiste, il documento ne ha 1"},
		{[]string{"--revision", "-1", b.path("x3.pdf")}, "la firma -1 non esiste"},
		{[]string{"--revision", "1", file}, "OUT deve essere un file diverso"},
		{[]string{"--revision", "1"}, "uso / usage"},
	} {
		said, code := run(tc.args...)
		if code == 0 || !strings.Contains(said, tc.want) {
			t.Fatalf("%v: exit %d, want %q:\n%s", tc.args, code, tc.want, said)
		}
		if len(tc.args) == 3 && tc.args[2] != file {
			if _, err := os.Stat(tc.args[2]); err == nil {
				t.Fatalf("%v wrote %s", tc.args, tc.args[2])
			}
		}
	}
	if !bytes.Equal(mustRead(t, file), before) {
		t.Fatal("the verified file changed")
	}
}
