package cmp

// Interoperability with OpenSSL's CMP mock server (`openssl cmp -port`, OpenSSL 3.0): our client against
// a peer nobody here wrote. The mock server verifies our protection and proof of possession, so every
// success proves OpenSSL accepted our requests; every negative case must fail with the precise error.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

func writePEM(t *testing.T, path, typ string, der ...[]byte) string {
	t.Helper()
	var buf bytes.Buffer
	for _, d := range der {
		pem.Encode(&buf, &pem.Block{Type: typ, Bytes: d})
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeKey(t *testing.T, path string, k crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, path, "PRIVATE KEY", der)
}

// mockServer runs `openssl cmp` as an HTTP mock server on a free loopback port with the given extra
// flags, and returns its URL (the mock accepts only the path "" or "pkix/").
func mockServer(t *testing.T, args ...string) string {
	t.Helper()
	bin := testenv.Tool(t, "openssl")
	for attempt := 0; attempt < 3; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cmd := exec.CommandContext(ctx, bin, append([]string{"cmp", "-port", strconv.Itoa(port), "-config", ""}, args...)...)
		var log bytes.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		t.Cleanup(func() {
			cancel()
			<-done
			if t.Failed() {
				t.Logf("openssl cmp mock server log:\n%s", log.String())
			}
		})
		for i := 0; i < 100; i++ { // bounded: 100 × 50 ms
			select {
			case <-done:
				i = 100
				continue
			default:
			}
			if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
				c.Close()
				return fmt.Sprintf("http://127.0.0.1:%d/pkix/", port)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		<-done
		t.Logf("mock server on port %d did not start:\n%s", port, log.String())
	}
	t.Fatal("openssl cmp mock server did not start")
	return ""
}

// recorder is a loopback HTTP proxy in front of the mock server that records the body types exchanged
// and may replace an answer (to replay an older one).
type recorder struct {
	mu      sync.Mutex
	target  string
	trace   []string
	answers [][]byte
	// replace, when set, may return other bytes for the n-th answer (0-based).
	replace func(n int, answers [][]byte) []byte
}

func (r *recorder) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		resp, err := http.Post(r.target, ContentType, bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		ans, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		r.mu.Lock()
		n := len(r.answers)
		r.answers = append(r.answers, ans)
		if r.replace != nil {
			if alt := r.replace(n, r.answers); alt != nil {
				ans = alt
			}
		}
		r.trace = append(r.trace, bodyName(body)+">"+bodyName(ans))
		r.mu.Unlock()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		w.Write(ans)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.trace, " ")
}

func bodyName(der []byte) string {
	m, err := ParseMessage(der)
	if err != nil {
		return "?"
	}
	s := m.Body.Type.String()
	if m.Body.CertRep != nil && len(m.Body.CertRep.Responses) == 1 {
		s += "(" + m.Body.CertRep.Responses[0].Status.Status.String() + ")"
	}
	return s
}

// interopSetup is a CA, a CMP server certificate, and an end entity whose certificate is to be renewed.
type interopSetup struct {
	*testPKI
	dir              string
	newKey           crypto.Signer
	srvCert, srvKey  string
	trusted, rspCert string
	expected         *x509.Certificate
}

// newInteropSetup makes the files for the mock server. The certificate the mock returns is for the
// new key, with the old certificate's issuer and serial (the mock checks both against oldCertID).
func newInteropSetup(t *testing.T) *interopSetup {
	p := newTestPKI(t, "Interop")
	s := &interopSetup{testPKI: p, dir: t.TempDir(), newKey: newKey(t, true)}
	s.srvCert = writePEM(t, filepath.Join(s.dir, "srv.pem"), "CERTIFICATE", p.srv.Raw)
	s.srvKey = writeKey(t, filepath.Join(s.dir, "srv.key"), p.srvKey)
	s.trusted = writePEM(t, filepath.Join(s.dir, "ca.pem"), "CERTIFICATE", p.ca.Raw)
	s.expected = issue(t, &x509.Certificate{SerialNumber: p.ee.SerialNumber, Subject: p.ee.Subject,
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(48 * time.Hour)},
		s.newKey.Public(), p.ca, p.caKey)
	s.rspCert = writePEM(t, filepath.Join(s.dir, "rsp.pem"), "CERTIFICATE", s.expected.Raw)
	return s
}

func (s *interopSetup) serverArgs(extra ...string) []string {
	return append([]string{"-srv_cert", s.srvCert, "-srv_key", s.srvKey, "-srv_trusted", s.trusted, "-rsp_cert", s.rspCert}, extra...)
}

func (s *interopSetup) client(url string) *Client {
	return &Client{URL: url, Anchors: s.anchors, MaxWait: 30 * time.Second}
}

func timeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// kur, delayed delivery, saved and resumed from JSON by a new client, then explicit certConf/pkiConf.
func TestOpenSSLKeyUpdatePollingCertConf(t *testing.T) {
	s := newInteropSetup(t)
	rec := &recorder{target: mockServer(t, s.serverArgs("-poll_count", "2", "-check_after", "1")...)}
	url := rec.start(t)
	ctx := timeout(t)

	c := s.client(url)
	c.MaxWait = 0 // return at the first "waiting": the two-phase renewal
	res, err := c.KeyUpdate(ctx, s.ee, s.eeKey, s.newKey, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Pending == nil || res.Cert != nil {
		t.Fatalf("expected a pending transaction, got %+v", res)
	}
	saved, err := json.Marshal(res.Pending)
	if err != nil {
		t.Fatal(err)
	}
	// Resume in another process: the test binary itself, running TestResumeChild with the saved state.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tx.json"), saved, 0o600)
	os.WriteFile(filepath.Join(dir, "url"), []byte(url), 0o600)
	writePEM(t, filepath.Join(dir, "ee.pem"), "CERTIFICATE", s.ee.Raw)
	writeKey(t, filepath.Join(dir, "ee.key"), s.eeKey)
	writePEM(t, filepath.Join(dir, "anchor.pem"), "CERTIFICATE", s.ca.Raw)
	child := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestResumeChild$", "-test.count=1")
	child.Env = append(os.Environ(), "PONTE_CMP_RESUME_DIR="+dir)
	if out, err := child.CombinedOutput(); err != nil {
		t.Fatalf("resuming in a child process: %v (trace %s)\n%s", err, rec, out)
	}
	der, err := os.ReadFile(filepath.Join(dir, "cert.der"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := x509.ParseCertificate(der); err != nil || !got.Equal(s.expected) {
		t.Fatalf("the child process got another certificate (%v)", err)
	}
	// -poll_count 2 counts the first "waiting" answer as one of the two.
	want := "kur>kup(waiting) pollReq>pollRep pollReq>kup(accepted) certConf>pkiconf"
	if got := rec.String(); got != want {
		t.Fatalf("exchange\n got %s\nwant %s", got, want)
	}
}

// TestResumeChild is the later session of TestOpenSSLKeyUpdatePollingCertConf, run in its own process:
// it loads the saved transaction and the end entity's credentials and polls to the end.
func TestResumeChild(t *testing.T) {
	dir := os.Getenv("PONTE_CMP_RESUME_DIR")
	if dir == "" {
		t.Skip("only run as a child process by TestOpenSSLKeyUpdatePollingCertConf")
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pemDER := func(name string) []byte {
		blk, _ := pem.Decode(read(name))
		if blk == nil {
			t.Fatalf("%s: no PEM", name)
		}
		return blk.Bytes
	}
	var tx Transaction
	if err := json.Unmarshal(read("tx.json"), &tx); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(pemDER("ee.pem"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(pemDER("ee.key"))
	if err != nil {
		t.Fatal(err)
	}
	anchor, err := x509.ParseCertificate(pemDER("anchor.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(anchor)
	c := &Client{URL: string(read("url")), Anchors: pool, MaxWait: 30 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := c.Poll(ctx, &tx, &SignatureProtection{Signer: k.(crypto.Signer), Cert: cert})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cert == nil || res.ImplicitlyConfirmed {
		t.Fatalf("result %+v", res)
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.der"), res.Cert.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSSLKeyUpdateImplicitConfirm(t *testing.T) {
	s := newInteropSetup(t)
	rec := &recorder{target: mockServer(t, s.serverArgs("-grant_implicitconf")...)}
	url := rec.start(t)
	res, err := s.client(url).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ImplicitlyConfirmed || !res.Cert.Equal(s.expected) {
		t.Fatalf("result %+v", res)
	}
	if got, want := rec.String(), "kur>kup(accepted)"; got != want {
		t.Fatalf("exchange %s, want %s", got, want)
	}
}

// Without -grant_implicitconf, asking for implicit confirmation still ends with an explicit certConf.
func TestOpenSSLImplicitConfirmNotGranted(t *testing.T) {
	s := newInteropSetup(t)
	rec := &recorder{target: mockServer(t, s.serverArgs()...)}
	res, err := s.client(rec.start(t)).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.ImplicitlyConfirmed {
		t.Fatal("implicitly confirmed without the CA granting it")
	}
	if got, want := rec.String(), "kur>kup(accepted) certConf>pkiconf"; got != want {
		t.Fatalf("exchange %s, want %s", got, want)
	}
}

// Extension of validity: kur with the existing key (the mock returns a certificate for that key).
func TestOpenSSLExtendSameKey(t *testing.T) {
	s := newInteropSetup(t)
	same := issue(t, &x509.Certificate{SerialNumber: s.ee.SerialNumber, Subject: s.ee.Subject, KeyUsage: x509.KeyUsageDigitalSignature},
		s.eeKey.Public(), s.ca, s.caKey)
	s.rspCert = writePEM(t, filepath.Join(s.dir, "same.pem"), "CERTIFICATE", same.Raw)
	res, err := s.client(mockServer(t, s.serverArgs()...)).Extend(timeout(t), s.ee, s.eeKey, BodyKUR, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cert.Equal(same) {
		t.Fatal("not the certificate the CA returned")
	}
}

// ir protected by a shared secret (PasswordBasedMac); the mock answers with MAC protection too.
func TestOpenSSLInitialMAC(t *testing.T) {
	s := newInteropSetup(t)
	newK := newKey(t, false)
	cert := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "BIANCHI ANNA"}, KeyUsage: x509.KeyUsageDigitalSignature},
		newK.Public(), s.ca, s.caKey)
	rsp := writePEM(t, filepath.Join(s.dir, "ir.pem"), "CERTIFICATE", cert.Raw)
	url := mockServer(t, "-srv_secret", "pass:sesamo-apriti", "-srv_ref", "ponte", "-rsp_cert", rsp, "-rsp_capubs", s.trusted)
	c := &Client{URL: url, Anchors: s.anchors, Secret: []byte("sesamo-apriti"), MaxWait: 10 * time.Second}
	res, err := c.Initial(timeout(t), pkix.Name{CommonName: "BIANCHI ANNA"}, newK, &MACProtection{Secret: []byte("sesamo-apriti"), Reference: []byte("ponte")}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cert.Equal(cert) || len(res.CAPubs) != 1 || !res.CAPubs[0].Equal(s.ca) {
		t.Fatalf("result %+v", res)
	}
	// The CA's MAC-protected answer must verify with the profile's secret: with another one it is
	// refused (the request itself is right, so the CA does answer).
	c.Secret = []byte("sbagliata")
	_, err = c.Initial(timeout(t), pkix.Name{CommonName: "BIANCHI ANNA"}, newK, &MACProtection{Secret: []byte("sesamo-apriti"), Reference: []byte("ponte")}, false)
	if !errors.Is(err, ErrBadProtection) {
		t.Fatalf("answer MAC with the wrong secret: %v", err)
	}
	// Without a secret in the profile a MAC-protected answer is not acceptable at all.
	c.Secret = nil
	_, err = c.Initial(timeout(t), pkix.Name{CommonName: "BIANCHI ANNA"}, newK, &MACProtection{Secret: []byte("sesamo-apriti"), Reference: []byte("ponte")}, false)
	if !errors.Is(err, ErrBadProtection) {
		t.Fatalf("MAC answer without a profile secret: %v", err)
	}
}

func TestOpenSSLUnprotectedAnswer(t *testing.T) {
	s := newInteropSetup(t)
	_, err := s.client(mockServer(t, s.serverArgs("-send_unprotected")...)).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, false)
	if !errors.Is(err, ErrUnprotected) {
		t.Fatalf("got %v, want ErrUnprotected", err)
	}
}

// The mock signs with a certificate of another CA: the signature is fine, the signer is not ours.
func TestOpenSSLForeignServerCertificate(t *testing.T) {
	s := newInteropSetup(t)
	other := newTestPKI(t, "Other")
	s.srvCert = writePEM(t, filepath.Join(s.dir, "other-srv.pem"), "CERTIFICATE", other.srv.Raw)
	s.srvKey = writeKey(t, filepath.Join(s.dir, "other-srv.key"), other.srvKey)
	_, err := s.client(mockServer(t, s.serverArgs()...)).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, false)
	if !errors.Is(err, ErrUntrustedSigner) {
		t.Fatalf("got %v, want ErrUntrustedSigner", err)
	}
}

// The mock issues a certificate for another key: refused, and the client says so in certConf.
func TestOpenSSLWrongPublicKey(t *testing.T) {
	s := newInteropSetup(t)
	wrong := issue(t, &x509.Certificate{SerialNumber: s.ee.SerialNumber, Subject: s.ee.Subject}, newKey(t, false).Public(), s.ca, s.caKey)
	s.rspCert = writePEM(t, filepath.Join(s.dir, "wrong.pem"), "CERTIFICATE", wrong.Raw)
	rec := &recorder{target: mockServer(t, s.serverArgs()...)}
	_, err := s.client(rec.start(t)).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, false)
	if !errors.Is(err, ErrWrongPublicKey) {
		t.Fatalf("got %v, want ErrWrongPublicKey", err)
	}
	if got, want := rec.String(), "kur>kup(accepted) certConf>pkiconf"; got != want {
		t.Fatalf("exchange %s, want %s", got, want)
	}
}

// An issued certificate that does not chain to our anchors is refused even when the answer is fine.
func TestOpenSSLUntrustedIssuedCertificate(t *testing.T) {
	s := newInteropSetup(t)
	// The mock compares the certificate's issuer with oldCertID, so the forger's CA has our CA's name.
	fake := newTestPKI(t, "Interop")
	forged := issue(t, &x509.Certificate{SerialNumber: s.ee.SerialNumber, Subject: s.ee.Subject}, s.newKey.Public(), fake.ca, fake.caKey)
	s.rspCert = writePEM(t, filepath.Join(s.dir, "forged.pem"), "CERTIFICATE", forged.Raw)
	_, err := s.client(mockServer(t, s.serverArgs()...)).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, false)
	if !errors.Is(err, ErrUntrustedCert) {
		t.Fatalf("got %v, want ErrUntrustedCert", err)
	}
}

// -send_error: a protected error message becomes a *Refusal with the CA's status.
func TestOpenSSLErrorMessage(t *testing.T) {
	s := newInteropSetup(t)
	_, err := s.client(mockServer(t, s.serverArgs("-send_error")...)).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, false)
	var ref *Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("got %v, want *Refusal", err)
	}
	if ref.Body != BodyError || ref.Status.Status != StatusRejection {
		t.Fatalf("refusal %+v", ref)
	}
	it, en := userText(ref)
	if it == "" || en == "" {
		t.Fatal("no text")
	}
	t.Logf("IT: %s\nEN: %s\n%v", it, en, err)
}

// A kup with status rejection, failInfo notAuthorized and ponte-ca's reason: the precise message.
func TestOpenSSLRejectionReason(t *testing.T) {
	s := newInteropSetup(t)
	url := mockServer(t, s.serverArgs("-pkistatus", "2", "-failure", strconv.Itoa(FailNotAuthorized),
		"-statusstring", ReasonMaxLifetime.StatusString("first issued 2020-01-10, cap 6 years"))...)
	_, err := s.client(url).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, false)
	var ref *Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("got %v, want *Refusal", err)
	}
	if ref.Body != BodyKUP || !ref.Status.FailInfo.Has(FailNotAuthorized) {
		t.Fatalf("refusal %+v", ref)
	}
	if r, ok := ref.Status.Reason(); !ok || r != ReasonMaxLifetime {
		t.Fatalf("reason %q %v", r, ok)
	}
	it, en := userText(ref)
	if !strings.HasPrefix(it, "rinnovo non consentito: durata massima del certificato raggiunta") ||
		!strings.Contains(it, "first issued 2020-01-10") || !strings.HasPrefix(en, "renewal not allowed") {
		t.Fatalf("texts:\n%s\n%s", it, en)
	}
}

// A replayed pollRep (correctly protected by the CA, same transaction, but answering an older
// pollReq) is refused on its recipNonce.
func TestOpenSSLReplayedAnswer(t *testing.T) {
	s := newInteropSetup(t)
	rec := &recorder{target: mockServer(t, s.serverArgs("-poll_count", "3", "-check_after", "0")...)}
	rec.replace = func(n int, answers [][]byte) []byte {
		if n == 2 { // the answer to the second pollReq: give the first pollRep again
			return answers[1]
		}
		return nil
	}
	_, err := s.client(rec.start(t)).KeyUpdate(timeout(t), s.ee, s.eeKey, s.newKey, false)
	if !errors.Is(err, ErrNonceMismatch) {
		t.Fatalf("got %v, want ErrNonceMismatch (trace %s)", err, rec)
	}
}

// The mock really checks our protection: a kur signed by a key that is not the certificate's is refused
// by OpenSSL (so the successes above mean OpenSSL verified our signatures and proofs of possession).
func TestOpenSSLRefusesBadRequestProtection(t *testing.T) {
	s := newInteropSetup(t)
	r := KeyUpdateRequest(s.ee, newKey(t, true), s.newKey)
	_, err := s.client(mockServer(t, s.serverArgs()...)).Enroll(timeout(t), r)
	var ref *Refusal
	if !errors.As(err, &ref) || ref.Body != BodyError || ref.Status.Status != StatusRejection {
		t.Fatalf("got %v, want the CA's error message", err)
	}
	t.Log(err)
}

// A two-level PKI: the anchor is a root, everything is issued by an intermediate CA that travels in
// extraCerts both ways (our Chain; the mock's chain and -rsp_extracerts); ip's caPubs are reported but
// not trusted.
func TestOpenSSLIntermediateCA(t *testing.T) {
	root := newTestPKI(t, "Root")
	sub := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Sub CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, root.srvKey.Public(), root.ca, root.caKey)
	subKey := root.srvKey
	srvKey, eeKey, newK := newKey(t, false), newKey(t, true), newKey(t, false)
	srv := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Sub CMP server"}, KeyUsage: x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{OIDKPCmcCA}}, srvKey.Public(), sub, subKey)
	ee := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "NERI PAOLA"}, KeyUsage: x509.KeyUsageDigitalSignature}, eeKey.Public(), sub, subKey)
	want := issue(t, &x509.Certificate{SerialNumber: ee.SerialNumber, Subject: ee.Subject, KeyUsage: x509.KeyUsageDigitalSignature}, newK.Public(), sub, subKey)
	dir := t.TempDir()
	url := mockServer(t,
		"-srv_cert", writePEM(t, filepath.Join(dir, "srv.pem"), "CERTIFICATE", srv.Raw),
		"-srv_key", writeKey(t, filepath.Join(dir, "srv.key"), srvKey),
		"-srv_trusted", writePEM(t, filepath.Join(dir, "root.pem"), "CERTIFICATE", root.ca.Raw),
		"-srv_untrusted", writePEM(t, filepath.Join(dir, "sub.pem"), "CERTIFICATE", sub.Raw),
		"-rsp_extracerts", filepath.Join(dir, "sub.pem"),
		"-rsp_cert", writePEM(t, filepath.Join(dir, "rsp.pem"), "CERTIFICATE", want.Raw))
	c := &Client{URL: url, Anchors: root.anchors, MaxWait: 10 * time.Second}
	r := KeyUpdateRequest(ee, eeKey, newK)
	r.Protection = &SignatureProtection{Signer: eeKey, Cert: ee, Chain: []*x509.Certificate{sub}}
	res, err := c.Enroll(timeout(t), r)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cert.Equal(want) || len(res.Chain) != 3 || !res.Chain[1].Equal(sub) || !res.Chain[2].Equal(root.ca) {
		t.Fatalf("result %+v", res)
	}
}
