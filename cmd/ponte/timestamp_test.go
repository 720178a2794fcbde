package main

import (
	"bytes"
	"context"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
	"github.com/ponte-it/ponte/internal/tsp"
)

const tsaPassword = "Parola-Segreta-42"

// paidTSA is the test TSA behind HTTP Basic (user "studio"); before answering it runs onAsk (nil: nothing)
// and counts the requests that reached it.
func paidTSA(t *testing.T, pki *signtest.PKI, onAsk func()) (string, *atomic.Int32) {
	rs := &tsp.Responder{Signer: pki.TSA.Key, Chain: pki.TSA.Chain, Policy: []int{1, 3, 6, 1, 4, 1, 99999, 1, 1}}
	var asked atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if u, p, ok := r.BasicAuth(); !ok || u != "studio" || p != tsaPassword {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if onAsk != nil {
			onAsk()
		}
		rs.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &asked
}

func runCLI(stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// TestTimestampCLI: `ponte timestamp` against a paid TSA (HTTP Basic) writes a .tsr, a .tsd and an .m7m
// that `openssl ts -verify` accepts (the .m7m's part checked in sigverify.TestStampFiles), and `ponte
// verify` reports each valid with the TSA root as anchor, giving back the document of the .tsd and the
// .m7m with --content. The password comes from an owner-only file, or is asked on standard input; it is
// never printed; a group-readable file, a wrong password and a URL with credentials are refused and
// nothing is written.
func TestTimestampCLI(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	t.Setenv("PONTE_TSL_URL", "off")
	pki := signtest.NewPKI(t)
	url, asked := paidTSA(t, pki, nil)
	dir := t.TempDir()
	root := signtest.WritePEM(t, dir, "root.pem", pki.Root.Cert())
	doc := filepath.Join(dir, "atto.pdf")
	os.WriteFile(doc, []byte("%PDF-1.4 atto\n"), 0o644)
	pw := filepath.Join(dir, "tsa.pw")
	os.WriteFile(pw, []byte(tsaPassword+"\n"), 0o600)
	p7m := filepath.Join(dir, "atto.pdf.p7m")
	signP7M(t, pki, doc, p7m)

	for _, c := range []struct{ in, out string }{{doc, "atto.pdf.tsr"}, {doc, "atto.pdf.tsd"}, {p7m, "atto.pdf.m7m"}} {
		out := filepath.Join(dir, c.out)
		stdout, stderr, code := runCLI("", "timestamp", "--tsa", url, "--tsa-user", "studio", "--tsa-password-file", pw, "--anchors", root, "--in", c.in, "--out", out)
		if code != 0 || !strings.Contains(stdout, "Marca temporale scritta") || strings.Contains(stdout+stderr, tsaPassword) {
			t.Fatalf("%s: %d\n%s%s", c.out, code, stdout, stderr)
		}
		args := []string{"verify", out, "--anchors", root, "--offline"}
		content := filepath.Join(dir, c.out+".doc")
		if strings.HasSuffix(c.out, ".tsr") {
			if o := signtest.Run(t, openssl, "ts", "-verify", "-data", doc, "-in", out, "-CAfile", root); !strings.Contains(o, "Verification: OK") {
				t.Fatalf("openssl: %s", o)
			}
			args = append(args, "--detached", doc)
		} else {
			args = append(args, "--content", content)
		}
		stdout, stderr, code = runCLI("", args...)
		if code != 0 || !strings.Contains(stdout, "Marca temporale del file") || !strings.Contains(stdout, "corrisponde al file marcato") {
			t.Fatalf("verify %s: %d\n%s%s", c.out, code, stdout, stderr)
		}
		if !strings.HasSuffix(c.out, ".tsr") {
			if got, _ := os.ReadFile(content); !bytes.Equal(got, mustReadFile(t, doc)) {
				t.Fatalf("%s --content: %q", c.out, got)
			}
		}
	}
	// The password asked on standard input (no file).
	if _, stderr, code := runCLI(tsaPassword+"\n", "timestamp", "--tsa", url, "--tsa-user", "studio", "--in", doc, "--out", filepath.Join(dir, "asked.tsr")); code != 0 {
		t.Fatalf("asked password: %s", stderr)
	}
	before := asked.Load()
	os.WriteFile(filepath.Join(dir, "open.pw"), []byte(tsaPassword), 0o644)
	os.Chmod(filepath.Join(dir, "open.pw"), 0o644)
	wrong := filepath.Join(dir, "wrong.pw")
	os.WriteFile(wrong, []byte("sbagliata\n"), 0o600)
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"group-readable file": {[]string{"--tsa", url, "--tsa-user", "studio", "--tsa-password-file", filepath.Join(dir, "open.pw")}, "chmod 600"},
		"wrong password":      {[]string{"--tsa", url, "--tsa-user", "studio", "--tsa-password-file", wrong}, "rifiutato le credenziali"},
		"no credentials":      {[]string{"--tsa", url}, "rifiutato le credenziali"},
		"credentials in URL":  {[]string{"--tsa", strings.Replace(url, "http://", "http://studio:"+tsaPassword+"@", 1)}, "non mettere utente e password nell'indirizzo"},
		"missing folder":      {[]string{"--tsa", url, "--tsa-user", "studio", "--tsa-password-file", pw, "--out", filepath.Join(dir, "manca", "x.tsr")}, "la cartella di destinazione"},
		"unknown extension":   {[]string{"--tsa", url, "--out", filepath.Join(dir, "x.txt")}, "deve finire in .tsr, .tsd o .m7m"},
		"m7m of a non-p7m":    {[]string{"--tsa", url, "--tsa-user", "studio", "--tsa-password-file", pw, "--out", filepath.Join(dir, "doc.m7m")}, "si crea da una busta firmata .p7m"},
	} {
		out := filepath.Join(dir, "refused.tsr")
		args := append([]string{"timestamp", "--in", doc, "--out", out}, c.args...)
		stdout, stderr, code := runCLI("", args...)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Contains(stdout+stderr, tsaPassword) {
			t.Errorf("%s: %d\n%s%s", name, code, stdout, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: an output was written", name)
		}
	}
	// Only the wrong password and the missing credentials reached the TSA; the rest were refused first.
	if n := asked.Load() - before; n != 2 {
		t.Errorf("%d requests reached the TSA for the refused cases, want 2", n)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "*.tmp*"))
	all, _ := os.ReadDir(dir)
	for _, e := range all {
		if strings.HasPrefix(e.Name(), ".") {
			leftovers = append(leftovers, e.Name())
		}
	}
	if len(leftovers) > 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

// TestTimestampSourceChanged: the file is rewritten in place while the TSA answers (after it was hashed),
// longer, or of the same size with a later modification time (an editor saving a few seconds later; a
// same-size rewrite within the file system's timestamp granularity, a few ms, is the documented limit):
// `ponte timestamp` notices, writes nothing and says so in both languages.
func TestTimestampSourceChanged(t *testing.T) {
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	doc := filepath.Join(dir, "contratto.txt")
	var rewrite func()
	url, _ := paidTSA(t, pki, func() { rewrite() })
	pw := filepath.Join(dir, "tsa.pw")
	os.WriteFile(pw, []byte(tsaPassword), 0o600)
	cases := map[string]func(){
		"longer": func() { os.WriteFile(doc, []byte("importo: 9000 EUR\n"), 0o644) },
		"same size, later": func() {
			os.WriteFile(doc, []byte("importo: 900 EUR\n"), 0o644)
			later := time.Now().Add(2 * time.Second)
			os.Chtimes(doc, later, later)
		},
	}
	for name, change := range cases {
		for _, ext := range []string{".tsd", ".tsr"} {
			os.WriteFile(doc, []byte("importo: 100 EUR\n"), 0o644)
			rewrite = change
			out := filepath.Join(dir, "contratto"+ext)
			_, stderr, code := runCLI("", "timestamp", "--tsa", url, "--tsa-user", "studio", "--tsa-password-file", pw, "--in", doc, "--out", out)
			if code == 0 || !strings.Contains(stderr, "è cambiato dopo essere stato letto") || !strings.Contains(stderr, "changed after it was read") {
				t.Fatalf("%s %s: %d %s", name, ext, code, stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Fatalf("%s %s: files left: %v", name, ext, entries)
			}
		}
	}
}

// TestSignOutputFolderFirst: `ponte sign` with --out in a folder that does not exist fails on that, before
// the host (and so the card) is started: PONTE_HOST names a program that would leave a mark.
func TestSignOutputFolderFirst(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "host-started")
	host := filepath.Join(dir, "host.sh")
	os.WriteFile(host, []byte("#!/bin/sh\ntouch "+mark+"\n"), 0o755)
	t.Setenv("PONTE_HOST", host)
	doc := filepath.Join(dir, "a.pdf")
	os.WriteFile(doc, []byte("%PDF-1.4\n"), 0o644)
	_, stderr, code := runCLI("1234\n", "sign", "--in", doc, "--out", filepath.Join(dir, "manca", "a-firmato.pdf"))
	if code == 0 || !strings.Contains(stderr, "la cartella di destinazione") || !strings.Contains(stderr, "does not exist") {
		t.Fatalf("%d %s", code, stderr)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("the host was started")
	}
}

// TestUsageNamesEveryFlag: the usage text names every flag of sign, timestamp and verify.
func TestUsageNamesEveryFlag(t *testing.T) {
	sign, _ := signFlags()
	ts, _ := timestampFlags()
	verify, _ := verifyFlags()
	for _, fs := range []*flag.FlagSet{sign, ts, verify} {
		var line string
		for _, block := range strings.Split(usage, "\n  ponte ")[1:] {
			if strings.HasPrefix(block, fs.Name()+" ") {
				line = block
			}
		}
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(line, "--"+f.Name+" ") && !strings.Contains(line, "--"+f.Name+"]") {
				t.Errorf("ponte %s: usage lacks --%s", fs.Name(), f.Name)
			}
		})
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signP7M makes a .p7m of doc signed by the PKI's signer (Ponte's CAdES writer, checked by openssl in
// internal/cms).
func signP7M(t *testing.T, pki *signtest.PKI, doc, p7m string) {
	src, err := docio.OpenFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	parts, err := cms.SignFile(context.Background(), src, pki.Signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: pki.Signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	docio.WriteParts(&b, src, parts)
	os.WriteFile(p7m, b.Bytes(), 0o644)
}

// TestSignWithPaidTSA: `ponte sign` on the testbed card with a paid TSA (HTTP Basic): the password is
// asked on standard input before the PIN, the PDF gets a B-T signature whose time stamp `ponte verify`
// verifies, and neither the password nor the PIN is printed; a wrong password leaves no output and
// the card unasked (the TSA is probed before the PIN).
func TestSignWithPaidTSA(t *testing.T) {
	c := newCLI(t)
	pki := signtest.NewPKI(t)
	url, _ := paidTSA(t, pki, nil)
	dir := t.TempDir()
	root := signtest.WritePEM(t, dir, "tsa-root.pem", pki.Root.Cert())
	caPEM := filepath.Join(c.bed.Dir, "ca", "ca.pem")
	in := filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf")
	signed := filepath.Join(dir, "firmato.pdf")
	pins := testbed.PIN + "\n" + testbed.PIN + "\n"
	if out, errs, ok := c.run(t, "sbagliata\n"+pins, "sign", "--in", in, "--out", signed, "--tsa", url, "--tsa-user", "studio"); ok ||
		!strings.Contains(errs, "rifiutato le credenziali") || strings.Contains(errs, "PIN:") {
		t.Fatalf("wrong password: %v\n%s%s", ok, out, errs)
	}
	if _, err := os.Stat(signed); err == nil {
		t.Fatal("an output after a wrong password")
	}
	out, errs, ok := c.run(t, tsaPassword+"\n"+pins, "sign", "--in", in, "--out", signed, "--tsa", url, "--tsa-user", "studio")
	if !ok || strings.Contains(out+errs, tsaPassword) || strings.Contains(out+errs, testbed.PIN) {
		t.Fatalf("sign: %v\n%s%s", ok, out, errs)
	}
	out, errs, ok = c.run(t, "", "verify", signed, "--anchors", caPEM, "--anchors", root, "--offline")
	if !ok || !strings.Contains(out, "marca temporale verificata") {
		t.Fatalf("verify: %v\n%s%s", ok, out, errs)
	}
}

// TestSignSourceChanged: the PDF is rewritten in place after it was hashed and the card signed (while
// the TSA is asked for the signature's token, the second request): `ponte sign` writes nothing.
func TestSignSourceChanged(t *testing.T) {
	c := newCLI(t)
	pki := signtest.NewPKI(t)
	dir := t.TempDir()
	doc := filepath.Join(dir, "atto.pdf")
	corpus := mustReadFile(t, filepath.Join(testenv.Root(), "internal", "pades", "testdata", "corpus", "libreoffice.pdf"))
	os.WriteFile(doc, corpus, 0o644)
	var n atomic.Int32
	url, _ := paidTSA(t, pki, func() {
		if n.Add(1) == 2 { // 1: the size probe before hashing; 2: the token over the card's signature
			os.WriteFile(doc, append(bytes.Clone(corpus), "\n% aggiunto\n"...), 0o644)
		}
	})
	pw := filepath.Join(dir, "tsa.pw")
	os.WriteFile(pw, []byte(tsaPassword), 0o600)
	signed := filepath.Join(dir, "firmato.pdf")
	pins := testbed.PIN + "\n" + testbed.PIN + "\n"
	_, errs, ok := c.run(t, pins, "sign", "--in", doc, "--out", signed, "--tsa", url, "--tsa-user", "studio", "--tsa-password-file", pw)
	if ok || n.Load() != 2 || !strings.Contains(errs, "è cambiato dopo essere stato letto") {
		t.Fatalf("%v, %d TSA requests\n%s", ok, n.Load(), errs)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("files left: %v", entries)
	}
}
