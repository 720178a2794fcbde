package sigverify

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// The matrix's clock: every signature is made with openssl under faketime on signedAt, by certificates
// issued on issuedAt; "expired" ones ran out on expiredAt (years before now). Revoked-before
// certificates were revoked before signedAt, revoked-after ones long after it (but before now).
var (
	rootAt        = "2010-01-01 00:00:00"
	issuedAt      = "2011-01-01 00:00:00"
	signedAt      = "2011-06-01 10:00:00"
	signedAtTime  = time.Date(2011, 6, 1, 10, 0, 0, 0, time.UTC)
	revokedBefore = "110301000000Z" // 2011-03-01, before signedAt
	revokedAfter  = "200101000000Z" // 2020-01-01, after signedAt
)

// The axes of the verdict matrix (docs/signing.md, "Verification rules").
var (
	matrixTimes    = []string{"claimed", "trusted-tst", "untrusted-tst"}
	matrixStatuses = []string{"valid", "expired", "revoked-before", "revoked-after"}
	matrixHashes   = []string{"sha256", "sha1"}
	matrixKeys     = []int{2048, 1024}
	matrixAttrs    = []string{"present", "absent", "mismatched"}
)

type cell struct {
	time, status, hash, attr string
	bits                     int
}

func (c cell) String() string {
	return fmt.Sprintf("%s/%s/%s/rsa%d/signing-cert-%s", c.time, c.status, c.hash, c.bits, c.attr)
}

// expected is the promise of docs/signing.md for one cell: the level and the sub-indication of the
// first failing check, in the order chain, revocation, algorithms, attributes (the worst level wins).
func (c cell) expected() (Level, string) {
	proof := c.time == "trusted-tst" // signedAt proven: 2011, before the SHA-1 and RSA-1024 policy dates
	type out struct {
		l   Level
		sub string
	}
	var fails []out
	warn := c.time == "untrusted-tst" // reported, not used
	switch {
	case c.status == "expired" && !proof:
		fails = append(fails, out{LevelCannotVerify, SubOutOfBoundsNoPOE})
	}
	switch {
	case c.status == "revoked-before", c.status == "revoked-after" && !proof:
		fails = append(fails, out{LevelNotValid, SubRevoked})
	case c.status == "revoked-after":
		warn = true
	}
	for _, weak := range []bool{c.hash == "sha1", c.bits < 2048} {
		if weak && proof {
			warn = true
		} else if weak {
			fails = append(fails, out{LevelCannotVerify, SubCryptoNoPOE})
		}
	}
	switch c.attr {
	case "mismatched":
		fails = append(fails, out{LevelCannotVerify, SubNoSigningCert})
	case "absent":
		warn = true
	}
	if len(fails) > 0 {
		worst := fails[0]
		for _, f := range fails[1:] {
			if rank[f.l] > rank[worst.l] {
				worst = f
			}
		}
		return worst.l, worst.sub
	}
	if warn {
		return LevelWarnings, ""
	}
	return LevelValid, ""
}

// matrixPKI is the openssl-made PKI of the matrix.
type matrixPKI struct {
	dir, openssl, faketime string
	root                   string // trusted root (CA of the signers and of the trusted TSA), PEM
	certs                  map[string]string
	base                   map[string]string // one openssl signature per cell minus its time axis: path
}

func (p *matrixPKI) path(name string) string { return filepath.Join(p.dir, name) }

// run runs openssl, under faketime when at is not empty.
func (p *matrixPKI) run(t *testing.T, at string, args ...string) string {
	t.Helper()
	if at == "" {
		return signtest.Run(t, p.openssl, args...)
	}
	return signtest.Run(t, p.faketime, append([]string{at, p.openssl}, args...)...)
}

// TestVerdictMatrix: every cell of {signing time claimed / trusted time stamp / untrusted time stamp} ×
// {certificate valid / expired / revoked before / revoked after} × {SHA-256 / SHA-1} × {RSA 2048 / 1024}
// × {signing-certificate attribute present / absent / mismatched}, made by openssl (cms -sign, ts -reply)
// with a clock in the past (faketime), revocation answered by `openssl ocsp -index` on loopback, gets the
// verdict and sub-indication docs/signing.md promises. Cross-check: wherever `openssl cms -verify` refuses
// for a certificate reason at the current time, Ponte's verdict is not VALIDA unless a trusted time stamp
// proves the earlier time.
func TestVerdictMatrix(t *testing.T) {
	p := &matrixPKI{dir: t.TempDir(), openssl: testenv.Tool(t, "openssl"), faketime: testenv.Tool(t, "faketime"), certs: map[string]string{}, base: map[string]string{}}
	p.buildPKI(t)
	anchors := &Anchors{Sets: []AnchorSet{{Source: SourceTest, Certs: []*x509.Certificate{readCert(t, p.root)}}}}
	doc := p.path("contratto.txt")
	os.WriteFile(doc, []byte("Contratto di fornitura: importo 1.000 EUR.\n"), 0o644)

	var cells []cell
	for _, tm := range matrixTimes {
		for _, st := range matrixStatuses {
			for _, h := range matrixHashes {
				for _, b := range matrixKeys {
					for _, a := range matrixAttrs {
						cells = append(cells, cell{tm, st, h, a, b})
					}
				}
			}
		}
	}
	chk := &revocation.Checker{Timeout: 10 * time.Second}
	for i, c := range cells {
		der := p.sign(t, c, doc)
		rep, err := File(docio.Bytes(der), nil, cms.VerifyOptions{Anchors: anchors})
		if err != nil || len(rep.Signers) != 1 {
			t.Errorf("%s: verification failed: %v", c, err)
			continue
		}
		CheckRevocation(context.Background(), rep, cms.VerifyOptions{Anchors: anchors}, chk)
		v := rep.Verdict()
		wantL, wantSub := c.expected()
		said := p.opensslVerify(c, der, i)
		t.Logf("%-55s %-15s %-34s openssl: %s", c, v.Level, string(v.Indication)+" "+v.SubIndication, said)
		if v.Level != wantL || v.SubIndication != wantSub {
			t.Errorf("%s: verdict %s %s/%s, want %s %s (reasons %v; warnings %v)", c, v.Level, v.Indication, v.SubIndication, wantL, wantSub, texts(v.Reasons), texts(v.Warnings))
		}
		if v.ExitCode() != map[Level]int{LevelValid: 0, LevelWarnings: 0, LevelNotValid: 1, LevelCannotVerify: 2}[wantL] {
			t.Errorf("%s: exit code %d", c, v.ExitCode())
		}
		if said != "ok" && c.time != "trusted-tst" && v.Level == LevelValid {
			t.Errorf("%s: openssl refuses (%s) but Ponte says VALIDA", c, said)
		}
		if rep.Signers[0].TimeStamped != (c.time == "trusted-tst") {
			t.Errorf("%s: time stamped %v", c, rep.Signers[0].TimeStamped)
		}
	}
}

func texts(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.EN)
	}
	return out
}

// opensslVerify is what `openssl cms -verify` (at the current time, the root as CA file) says: "ok", or
// its reason; with -cades it also checks the ESS signing-certificate attribute.
func (p *matrixPKI) opensslVerify(c cell, der []byte, i int) string {
	in := p.path(fmt.Sprintf("v%d.p7m", i))
	os.WriteFile(in, der, 0o644)
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", in, "-CAfile", p.root, "-out", os.DevNull}
	if c.attr != "absent" {
		args = append(args, "-cades")
	}
	out, err := exec.Command(p.openssl, args...).CombinedOutput()
	if err == nil {
		return "ok"
	}
	for _, l := range strings.Split(string(out), "\n") {
		if i := strings.Index(l, "Verify error:"); i >= 0 {
			return strings.TrimSpace(l[i:])
		}
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// buildPKI makes with openssl (clock set by faketime) the trusted root, one certificate per status and
// key size (and its "twin": same issuer, serial and key, another subject, for the mismatched
// signing-certificate attribute), a trusted TSA under the root and an untrusted TSA under its own root,
// and starts `openssl ocsp -index` on loopback. It returns the responder's URL.
func (p *matrixPKI) buildPKI(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	ext := p.path("ext.cnf")
	os.WriteFile(ext, []byte(`[signer]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
authorityInfoAccess=OCSP;URI:`+url+`
[tsa]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
`), 0o644)
	root := func(name, cn string) {
		p.run(t, rootAt, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p.path(name+".key"), "-out", p.path(name+".pem"),
			"-subj", "/C=IT/O=Matrice/CN="+cn, "-days", "9000", "-sha256")
	}
	root("root", "Matrice Root")
	root("other", "Altra Root non di fiducia")
	p.root = p.path("root.pem")
	issue := func(name, ca, key, subj, serial, days, section string) {
		csr := p.path(name + ".csr")
		p.run(t, "", "req", "-new", "-key", key, "-subj", subj, "-out", csr)
		p.run(t, issuedAt, "x509", "-req", "-in", csr, "-CA", p.path(ca+".pem"), "-CAkey", p.path(ca+".key"), "-set_serial", serial,
			"-days", days, "-sha256", "-extfile", ext, "-extensions", section, "-out", p.path(name+".pem"))
		p.certs[name] = p.path(name + ".pem")
	}
	var index strings.Builder
	for _, bits := range matrixKeys {
		key := p.path(fmt.Sprintf("k%d.key", bits))
		p.run(t, "", "genpkey", "-algorithm", "RSA", "-pkeyopt", fmt.Sprintf("rsa_keygen_bits:%d", bits), "-out", key)
		for i, st := range matrixStatuses {
			serial := fmt.Sprintf("%02X%02X", bits/256, i+1)
			days := "8000"
			if st == "expired" {
				days = "730"
			}
			name := fmt.Sprintf("%s-%d", st, bits)
			issue(name, "root", key, "/C=IT/CN=ROSSI MARIO "+name, "0x"+serial, days, "signer")
			issue(name+"-twin", "root", key, "/C=IT/CN=ROSSI MARIO "+name+" gemello", "0x"+serial, days, "signer")
			status, rev := "V", ""
			switch st {
			case "revoked-before":
				status, rev = "R", revokedBefore+",keyCompromise"
			case "revoked-after":
				status, rev = "R", revokedAfter+",keyCompromise"
			}
			fmt.Fprintf(&index, "%s\t%s\t%s\t%s\tunknown\t/C=IT/CN=ROSSI MARIO %s\n", status, "491231000000Z", rev, serial, name)
		}
	}
	for _, tsa := range []string{"root", "other"} {
		key := p.path("tsa-" + tsa + ".key")
		p.run(t, "", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
		issue("tsa-"+tsa, tsa, key, "/C=IT/CN=TSA "+tsa, "0x7001", "8000", "tsa")
	}
	os.WriteFile(p.path("index.txt"), []byte(index.String()), 0o644)
	os.WriteFile(p.path("tsa.cnf"), []byte(`[tsa]
default_tsa = tsa_config
[tsa_config]
serial = `+p.path("tsaserial")+`
crypto_device = builtin
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
`), 0o644)
	os.WriteFile(p.path("tsaserial"), []byte("01\n"), 0o644)
	// openssl ocsp answers each request one-shot (-reqin/-respout) behind a Go server on loopback: its
	// own -port listener binds every interface (OpenSSL 3.0 takes no host there) and tests touch
	// loopback only.
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(p.ocspAnswer)}}
	srv.Start()
	t.Cleanup(srv.Close)
	return url
}

// ocspAnswer answers one OCSP POST with `openssl ocsp -index` (the matrix's index, signed by the root).
func (p *matrixPKI) ocspAnswer(w http.ResponseWriter, r *http.Request) {
	dir, err := os.MkdirTemp(p.dir, "ocsp")
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	defer os.RemoveAll(dir)
	req, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "req.der"), req, 0o600)
	}
	if err == nil {
		err = exec.Command(p.openssl, "ocsp", "-index", p.path("index.txt"), "-rsigner", p.root, "-rkey", p.path("root.key"),
			"-CA", p.root, "-nmin", "30", "-reqin", filepath.Join(dir, "req.der"), "-respout", filepath.Join(dir, "resp.der")).Run()
	}
	var resp []byte
	if err == nil {
		resp, err = os.ReadFile(filepath.Join(dir, "resp.der"))
	}
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

// sign makes the cell's .p7m with openssl cms -sign on signedAt, and adds the time stamp openssl ts made
// over its signature value (RFC 3161 appendix A) when the cell has one.
func (p *matrixPKI) sign(t *testing.T, c cell, doc string) []byte {
	name := fmt.Sprintf("%s-%d", c.status, c.bits)
	key := fmt.Sprintf("%s-%s-%s", name, c.hash, c.attr)
	out := p.base[key]
	if out == "" {
		out = p.path(key + ".p7m")
		p.signBase(t, c, doc, name, out)
		p.base[key] = out
	}
	der, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if c.time == "claimed" {
		return der
	}
	sig := out + ".sig"
	if _, err := os.Stat(sig + ".tsq"); err != nil {
		sd, err := cms.Parse(der)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		os.WriteFile(sig, sd.Signers[0].Signature, 0o644)
		p.run(t, "", "ts", "-query", "-data", sig, "-sha256", "-cert", "-no_nonce", "-out", sig+".tsq")
	}
	tsa := map[string]string{"trusted-tst": "root", "untrusted-tst": "other"}[c.time]
	p.run(t, signedAt, "ts", "-reply", "-config", p.path("tsa.cnf"), "-queryfile", sig+".tsq", "-signer", p.certs["tsa-"+tsa],
		"-inkey", p.path("tsa-"+tsa+".key"), "-chain", p.path(tsa+".pem"), "-token_out", "-out", sig+"."+tsa+".tst")
	tok, err := os.ReadFile(sig + "." + tsa + ".tst")
	if err != nil {
		t.Fatal(err)
	}
	return withTimeStamp(t, der, tok)
}

// signBase signs doc with openssl cms -sign on signedAt into out.
func (p *matrixPKI) signBase(t *testing.T, c cell, doc, name, out string) {
	args := []string{"cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-in", doc, "-signer", p.certs[name],
		"-inkey", p.path(fmt.Sprintf("k%d.key", c.bits)), "-md", c.hash, "-out", out}
	switch c.attr {
	case "present":
		args = append(args, "-cades")
	case "mismatched": // the attribute names the certificate signed with; the envelope carries its twin
		args = append(args, "-cades", "-nocerts", "-certfile", p.certs[name+"-twin"])
	}
	p.run(t, signedAt, args...)
}

// withTimeStamp adds tok as the signatureTimeStampToken unsigned attribute (RFC 3161 appendix A,
// [1] IMPLICIT SET OF Attribute of RFC 5652 §5.3) to the first SignerInfo of the ContentInfo der.
func withTimeStamp(t *testing.T, der, tok []byte) []byte {
	attr, err := asn1.Marshal(struct {
		Type   asn1.ObjectIdentifier
		Values []asn1.RawValue `asn1:"set"`
	}{cms.OIDAttrTimeStampToken, []asn1.RawValue{{FullBytes: tok}}})
	if err != nil {
		t.Fatal(err)
	}
	ci := elems(t, der)[0]
	ciParts := elems(t, ci.Bytes)                              // contentType, [0] content
	sd := elems(t, elems(t, ciParts[1].Bytes)[0].FullBytes)[0] // SignedData
	sdParts := elems(t, sd.Bytes)
	sis := sdParts[len(sdParts)-1] // SET OF SignerInfo
	siList := elems(t, sis.Bytes)
	si := elems(t, siList[0].Bytes)
	si = append(si, wrap(t, asn1.ClassContextSpecific, 1, elems(t, attr)))
	siList[0] = wrap(t, asn1.ClassUniversal, asn1.TagSequence, si)
	sdParts[len(sdParts)-1] = wrap(t, asn1.ClassUniversal, asn1.TagSet, siList)
	ciParts[1] = wrap(t, asn1.ClassContextSpecific, 0, []asn1.RawValue{wrap(t, asn1.ClassUniversal, asn1.TagSequence, sdParts)})
	return wrap(t, asn1.ClassUniversal, asn1.TagSequence, ciParts).FullBytes
}

func readCert(t *testing.T, path string) *x509.Certificate {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// elems splits b into its consecutive DER elements.
func elems(t *testing.T, b []byte) []asn1.RawValue {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			t.Fatal(err)
		}
		out, b = append(out, v), rest
	}
	return out
}

// wrap encodes elements as one constructed element of the given class and tag.
func wrap(t *testing.T, class, tag int, parts []asn1.RawValue) asn1.RawValue {
	var body []byte
	for _, p := range parts {
		body = append(body, p.FullBytes...)
	}
	full, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: true, Bytes: body})
	if err != nil {
		t.Fatal(err)
	}
	return asn1.RawValue{Class: class, Tag: tag, IsCompound: true, Bytes: body, FullBytes: full}
}
