// Command bench is `make bench`. First it prints the size of every WebAssembly module of the extension and
// the time app.html and the popup take to show the host's version, cold and warm, beside a plain-JS page
// doing the same hello (first.go). Then it signs generated PDFs of 10, 100, 200 and 500 MB three ways in the same
// run and prints time and peak memory side by side:
//
//   - Ponte in headless Chromium: the extension's Firma page, the WASM engine hashing the File with the
//     extension's SHA-256 (extension/hash: WebAssembly in a Web Worker, the page streaming the File to it),
//     the testbed's SoftHSM card behind ponte-host, the result downloaded as Blob([file, tail]);
//     memory is the peak resident size of all Chromium processes above their level before the file was
//     chosen, and the page's JavaScript heap (performance.memory);
//
//   - Ponte's engine natively (internal/pades, a software key), as a child process: its peak RSS;
//
//   - @signpdf/signpdf 3.3.0 in Node (test/bench/package.json, `npm ci`), as a child process: its peak RSS.
//
//   - github.com/digitorus/pdfsign natively, when -pdfsign names its command-line program (`make bench
//     PDFSIGN=/path/to/pdfsign`): `pdfsign sign -tsa "" -certType ApprovalSignature IN OUT CERT KEY`, as a
//     child process: its wall time (process start included) and peak RSS. The project does not build it:
//     the module itself is not served by the Go module proxy reachable here (`go list -m -versions
//     github.com/digitorus/pdfsign` is refused), so whoever runs the bench builds it from its source; without
//     it the column says "not measured" rather than an estimate.
//
// Every output is checked with pdfsig (one signature, valid, whole document) before its time counts.
// With -runs N each signer signs each file N times and the fastest time is shown with the highest peak
// memory (the machine is shared: one run can be slowed by others). Benchmarks are not tests: nothing is
// asserted about the numbers.
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pades"
)

func main() {
	native := flag.Bool("native", false, "internal: sign IN OUT natively and print the time")
	build := flag.String("build", "build", "folder with ponte-host and the extension (make build)")
	sizes := flag.String("sizes", "10,100,200,500", "PDF sizes in MB")
	runs := flag.Int("runs", 1, "runs per signer and size: the fastest is shown")
	work := flag.String("work", "", "work folder (default: a temporary one, removed at the end)")
	pdfsign := flag.String("pdfsign", "", "digitorus/pdfsign's program, to measure it side by side (optional)")
	firstRuns := flag.Int("first", 10, "runs per page of the first-screen measure (medians); 0 skips it")
	signing := flag.Bool("sign", true, "sign the PDFs (false: module sizes and first screen only)")
	flag.Parse()
	if *native {
		if err := signNative(flag.Arg(0), flag.Arg(1)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := moduleSizes(*build); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if *firstRuns > 0 {
		if err := inWork(*work, func(work string) error { return firstScreens(*build, work, *firstRuns) }); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if !*signing {
		return
	}
	if err := run(*build, *sizes, *work, *pdfsign, max(*runs, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// inWork runs f in work, or in a temporary folder removed afterwards when work is "".
func inWork(work string, f func(work string) error) error {
	if work != "" {
		return f(work)
	}
	d, err := os.MkdirTemp("", "ponte-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(d)
	return f(d)
}

type result struct {
	ms     float64
	peakMB float64
	extra  string
	err    error
}

func run(build, sizeList, work, pdfsign string, runs int) error {
	return inWork(work, func(work string) error { return signAll(build, sizeList, work, pdfsign, runs) })
}

func signAll(build, sizeList, work, pdfsign string, runs int) error {
	var sizes []int
	for _, s := range strings.Split(sizeList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		sizes = append(sizes, n)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	keys, err := writeKeys(work)
	if err != nil {
		return err
	}
	nodeDir, _ := filepath.Abs(filepath.Join("test", "bench"))
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "@signpdf", "signpdf")); err != nil {
		fmt.Println("npm ci (test/bench)…")
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir, cmd.Stdout, cmd.Stderr = nodeDir, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm ci: %w", err)
		}
	}
	br, err := startBrowser(build, work)
	if err != nil {
		return err
	}
	defer br.close()

	rows := [][]string{{"size", "Ponte in Chromium (WASM)", "Ponte native (Go)", "@signpdf/signpdf (Node)", "digitorus/pdfsign"}}
	for _, mb := range sizes {
		in := filepath.Join(work, fmt.Sprintf("bench-%dmb.pdf", mb))
		fmt.Printf("generating %s…\n", filepath.Base(in))
		if err := generatePDF(in, int64(mb)<<20); err != nil {
			return err
		}
		var b, n, s, d result
		if pdfsign == "" {
			d.err = errors.New("not measured: give its program with PDFSIGN=… (module not on the Go proxy here)")
		}
		for i := range runs {
			fmt.Printf("signing %d MB in Chromium (run %d)…\n", mb, i+1)
			b = b.best(checked(br.sign(in), filepath.Join(br.downloads, strings.TrimSuffix(filepath.Base(in), ".pdf")+"-firmato.pdf")))
			fmt.Printf("signing %d MB natively…\n", mb)
			out := filepath.Join(work, "native.pdf")
			n = n.best(checked(child(self, "-native", in, out), out))
			fmt.Printf("signing %d MB with @signpdf/signpdf…\n", mb)
			out = filepath.Join(work, "signpdf.pdf")
			s = s.best(checked(child("node", filepath.Join(nodeDir, "sign-signpdf.js"), in, out, keys.p12), out))
			if pdfsign != "" {
				fmt.Printf("signing %d MB with digitorus/pdfsign…\n", mb)
				out = filepath.Join(work, "pdfsign.pdf")
				d = d.best(checked(timed(out, pdfsign, "sign", "-tsa", "", "-certType", "ApprovalSignature", in, out, keys.cert, keys.pkcs1), out))
			}
		}
		rows = append(rows, []string{fmt.Sprintf("%d MB", mb), b.String(), n.String(), s.String(), d.String()})
		os.Remove(in)
	}
	fmt.Println()
	fmt.Printf("time and peak memory per signature (fastest of %d run(s); %d cores, shared):\n", runs, runtime.NumCPU())
	for _, r := range rows {
		fmt.Printf("%-7s | %-78s | %-26s | %-26s | %s\n", r[0], r[1], r[2], r[3], r[4])
	}
	fmt.Println("\nChromium: time from choosing the file to the signed file downloaded (hashing, host login, card")
	fmt.Println("signature, Blob download; \"done\" is when the page says so, before the browser has written the")
	fmt.Println("download); memory is the growth of all Chromium processes' resident size over the page at rest.")
	return nil
}

// best keeps the faster of two runs' times and the higher of their peak memories.
func (r result) best(o result) result {
	switch {
	case r.err == nil && r.ms == 0: // no run yet
		return o
	case o.err != nil:
		return r
	case r.err != nil:
		return o
	}
	peak := max(r.peakMB, o.peakMB)
	if o.ms < r.ms {
		r = o
	}
	r.peakMB = peak
	return r
}

func (r result) String() string {
	if r.err != nil {
		return "error: " + r.err.Error()
	}
	s := fmt.Sprintf("%.2f s, %.0f MB", r.ms/1000, r.peakMB)
	if r.extra != "" {
		s += " " + r.extra
	}
	return s
}

// child runs a signer and reads its time from its JSON line and its peak RSS from the kernel.
func child(name string, args ...string) result {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{err: err}
	}
	var v struct {
		MS float64 `json:"ms"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(out))), &v); err != nil {
		return result{err: fmt.Errorf("output %q", out)}
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	r := result{ms: v.MS}
	if ru != nil {
		r.peakMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return r
}

// checked makes sure a signer did the whole job before its time counts: pdfsig (poppler, a verifier none
// of the signers wrote) must find one signature, valid, covering the whole document. The file is removed.
func checked(r result, out string) result {
	defer os.Remove(out)
	if r.err != nil {
		return r
	}
	said, err := exec.Command("pdfsig", out).CombinedOutput()
	report := string(said)
	switch {
	case err != nil:
		r.err = fmt.Errorf("pdfsig: %v: %s", err, bytes.TrimSpace(said))
	case strings.Count(report, "Signature #") != 1, !strings.Contains(report, "Signature is Valid."),
		!strings.Contains(report, "Total document signed"):
		r.err = fmt.Errorf("pdfsig does not accept the output: %s", bytes.TrimSpace(said))
	}
	return r
}

// timed runs a signer that prints nothing useful and measures it from outside: wall time from start to
// exit, peak RSS from the kernel. The output must exist afterwards (pdfsign logs errors and exits 0).
func timed(out, name string, args ...string) result {
	cmd := exec.Command(name, args...)
	start := time.Now()
	said, err := cmd.CombinedOutput()
	ms := float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		return result{err: fmt.Errorf("%v: %s", err, bytes.TrimSpace(said))}
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		return result{err: fmt.Errorf("no output: %s", bytes.TrimSpace(said))}
	}
	r := result{ms: ms}
	if ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage); ru != nil {
		r.peakMB = float64(ru.Maxrss) / 1024 // KiB on Linux
	}
	return r
}

// signNative: Ponte's engine with a software key (same code path as `ponte sign`, without the card).
func signNative(in, out string) error {
	key, cert, err := selfSigned()
	if err != nil {
		return err
	}
	start := time.Now()
	src, err := docio.OpenFile(in)
	if err != nil {
		return err
	}
	defer src.Close()
	res, err := pades.Sign(context.Background(), src, key, pades.Options{Chain: []*x509.Certificate{cert}})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := docio.WriteParts(f, src, res.Parts); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]float64{"ms": float64(time.Since(start).Microseconds()) / 1000})
}

func selfSigned() (crypto.Signer, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Bench"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return key, cert, err
}

// benchKeys: one software key and certificate in the forms the peers read.
type benchKeys struct {
	cert  string // PEM certificate
	pkcs1 string // PEM "RSA PRIVATE KEY" (pdfsign's cli reads only PKCS#1)
	p12   string // PKCS#12 that node-forge reads (SHA-1/3DES PBE, the legacy algorithms it supports)
}

func writeKeys(dir string) (benchKeys, error) {
	k := benchKeys{filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key-pkcs1.pem"), filepath.Join(dir, "bench.p12")}
	key, cert, err := selfSigned()
	if err != nil {
		return k, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return k, err
	}
	kp := filepath.Join(dir, "key.pem")
	files := []struct {
		path string
		blk  pem.Block
	}{
		{kp, pem.Block{Type: "PRIVATE KEY", Bytes: kder}},
		{k.pkcs1, pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key.(*rsa.PrivateKey))}},
		{k.cert, pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, pem.EncodeToMemory(&f.blk), 0o600); err != nil {
			return k, err
		}
	}
	out, err := exec.Command("openssl", "pkcs12", "-export", "-inkey", kp, "-in", k.cert, "-out", k.p12, "-passout", "pass:bench",
		"-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1").CombinedOutput()
	if err != nil {
		return k, fmt.Errorf("openssl pkcs12: %v\n%s", err, out)
	}
	return k, nil
}

// generatePDF writes a one-page PDF of about size bytes: the bulk is an incompressible grayscale image
// XObject in the page's resources, so every byte is document content a signer must hash.
func generatePDF(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var off int64
	var offsets []int64
	w := func(s string) {
		n, _ := f.WriteString(s)
		off += int64(n)
	}
	obj := func(s string) {
		offsets = append(offsets, off)
		w(s)
	}
	w("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	obj("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	obj("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	obj("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im1 5 0 R >> >> >>\nendobj\n")
	content := "q 0.9 0.9 1 rg 50 700 300 60 re f Q\n"
	obj(fmt.Sprintf("4 0 obj\n<< /Length %d >>\nstream\n%sendstream\nendobj\n", len(content), content))
	const width = 1024
	height := max((size-4096)/width, 1)
	obj(fmt.Sprintf("5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n", width, height, width*height))
	rng := mrand.NewChaCha8([32]byte{'p', 'o', 'n', 't', 'e'})
	buf := make([]byte, 1<<20)
	for left := int64(width) * height; left > 0; {
		n := min(left, int64(len(buf)))
		rng.Read(buf[:n])
		m, err := f.Write(buf[:n])
		if err != nil {
			return err
		}
		off += int64(m)
		left -= n
	}
	w("\nendstream\nendobj\n")
	xref := off
	w(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1))
	for _, o := range offsets {
		w(fmt.Sprintf("%010d 00000 n \n", o))
	}
	w(fmt.Sprintf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref))
	return f.Close()
}
