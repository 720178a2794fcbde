package cmp

// Messages made by OpenSSL's CMP client and its API-level mock server (`openssl cmp -use_mock_srv`,
// saved with -reqout/-rspout): we decode each, re-encode it from the decoded fields to the same bytes,
// and run the server-side checks (protection, POP, oldCertID, certHash) on OpenSSL's requests.

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

type opensslRun struct {
	dir        string
	reqs, rsps []*Message
	raw        [][]byte
	out        string
}

// runOpenSSLClient runs `openssl cmp` with the in-process mock server and collects the messages.
func runOpenSSLClient(t *testing.T, dir string, args ...string) *opensslRun {
	t.Helper()
	bin := testenv.Tool(t, "openssl")
	var reqFiles, rspFiles []string
	for i := 0; i < 8; i++ {
		reqFiles = append(reqFiles, filepath.Join(dir, fmt.Sprintf("req%d.der", i)))
		rspFiles = append(rspFiles, filepath.Join(dir, fmt.Sprintf("rsp%d.der", i)))
	}
	args = append([]string{"cmp", "-config", "", "-use_mock_srv", "-batch", "-msg_timeout", "20", "-total_timeout", "60", "-certout", filepath.Join(dir, "out.pem"),
		"-reqout", strings.Join(reqFiles, ","), "-rspout", strings.Join(rspFiles, ",")}, args...)
	cmd := exec.Command(bin, args...)
	out, _ := cmd.CombinedOutput()
	r := &opensslRun{dir: dir, out: string(out)}
	for i := range reqFiles {
		for _, f := range []string{reqFiles[i], rspFiles[i]} {
			der, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			os.Remove(f)
			m, err := ParseMessage(der)
			if err != nil {
				t.Fatalf("%s: %v\n%s", filepath.Base(f), err, out)
			}
			// Re-encode from the decoded fields: our encoder must produce OpenSSL's DER.
			again := *m
			again.Reencode()
			b, err := again.Marshal()
			if err != nil || string(b) != string(der) {
				t.Fatalf("%s (%v): re-encoding differs (%v)", filepath.Base(f), m.Body.Type, err)
			}
			r.raw = append(r.raw, der)
			if dst := os.Getenv("PONTE_CMP_VECTORS"); dst != "" { // regenerate testdata/openssl (see its README)
				os.WriteFile(filepath.Join(dst, fmt.Sprintf("%s-%d-%v.der", t.Name(), len(r.raw), m.Body.Type)), der, 0o644)
			}
			if f == reqFiles[i] {
				r.reqs = append(r.reqs, m)
			} else {
				r.rsps = append(r.rsps, m)
			}
		}
	}
	return r
}

func (r *opensslRun) types() string {
	var s []string
	for i := range r.reqs {
		x := r.reqs[i].Body.Type.String()
		if i < len(r.rsps) {
			x += ">" + r.rsps[i].Body.Type.String()
		}
		s = append(s, x)
	}
	return strings.Join(s, " ")
}

func TestOpenSSLClientKeyUpdateVectors(t *testing.T) {
	s := newInteropSetup(t)
	r := runOpenSSLClient(t, s.dir, append(s.opensslClientArgs(t, "kur"), "-poll_count", "2", "-check_after", "0")...)
	if got, want := r.types(), "kur>kup pollReq>pollRep pollReq>kup certConf>pkiconf"; got != want {
		t.Fatalf("exchange %q, want %q\n%s", got, want, r.out)
	}
	now := time.Now()
	// Every OpenSSL request passes our server-side protection check; every answer our client-side one.
	for _, m := range r.reqs {
		if c, err := m.VerifyRequest(s.anchors, nil, now); err != nil || !c.Equal(s.ee) {
			t.Fatalf("%v: %v", m.Body.Type, err)
		}
	}
	for _, m := range r.rsps {
		if c, err := m.VerifySignature(s.anchors, now); err != nil || !c.Equal(s.srv) {
			t.Fatalf("%v: %v", m.Body.Type, err)
		}
	}
	kur := r.reqs[0].Body.CertReqMsgs[0]
	if err := kur.VerifyPOP(); err != nil {
		t.Fatal(err)
	}
	if spki, _ := x509.MarshalPKIXPublicKey(s.newKey.Public()); string(kur.Template.PublicKey) != string(spki) {
		t.Fatal("template public key")
	}
	issuer, serial, ok, err := kur.OldCertID()
	if n, _ := issuer.Name(); err != nil || !ok || serial.Cmp(s.ee.SerialNumber) != 0 || string(n) != string(s.ee.RawIssuer) {
		t.Fatalf("oldCertID: %v %v %v", serial, ok, err)
	}
	// Transaction and nonce chaining as OpenSSL does it, which our client insists on.
	for i, rsp := range r.rsps {
		req := r.reqs[i]
		if string(rsp.Header.TransactionID) != string(req.Header.TransactionID) || string(rsp.Header.RecipNonce) != string(req.Header.SenderNonce) {
			t.Fatalf("message %d: transactionID or nonce chaining", i)
		}
	}
	if r.rsps[0].Body.CertRep.Responses[0].Status.Status != StatusWaiting {
		t.Fatal("first kup is not waiting")
	}
	// OpenSSL's certConf hash is our CertHash of the certificate.
	conf := r.reqs[3].Body.CertConf
	if len(conf) != 1 {
		t.Fatal("certConf")
	}
	if ok, err := conf[0].Confirms(s.expected); !ok || err != nil {
		t.Fatalf("certConf does not confirm the issued certificate: %v", err)
	}
	// Tampering: a changed bit in OpenSSL's kur breaks its protection for us.
	bad := append([]byte(nil), r.raw[0]...)
	bad[len(bad)/2] ^= 1
	if m, err := ParseMessage(bad); err == nil {
		if _, err := m.VerifyRequest(s.anchors, nil, now); err == nil {
			t.Fatal("tampered kur verified")
		}
	}
}

func TestOpenSSLClientMACAndGenmVectors(t *testing.T) {
	s := newInteropSetup(t)
	newKey := writeKey(t, filepath.Join(s.dir, "new.key"), s.newKey)
	r := runOpenSSLClient(t, s.dir, "-cmd", "ir", "-secret", "pass:sesamo", "-ref", "ponte", "-newkey", newKey,
		"-subject", "/CN=ROSSI MARIO", "-srv_secret", "pass:sesamo", "-srv_ref", "ca", "-rsp_cert", s.rspCert,
		"-implicit_confirm", "-grant_implicitconf")
	if got := r.types(); got != "ir>ip" {
		t.Fatalf("exchange %q\n%s", got, r.out)
	}
	for _, m := range append(r.reqs, r.rsps...) {
		if err := m.VerifyMAC([]byte("sesamo")); err != nil {
			t.Fatalf("%v: %v", m.Body.Type, err)
		}
		if err := m.VerifyMAC([]byte("sesamO")); !isCode(err, CodeBadProtection) {
			t.Fatalf("%v with the wrong secret: %v", m.Body.Type, err)
		}
	}
	if !r.reqs[0].Header.ImplicitConfirm() || !r.rsps[0].Header.ImplicitConfirm() || string(r.reqs[0].Header.SenderKID) != "ponte" {
		t.Fatal("implicitConfirm or senderKID")
	}
	if err := r.reqs[0].Body.CertReqMsgs[0].VerifyPOP(); err != nil {
		t.Fatal(err)
	}
	var rdn pkix.RDNSequence
	if _, err := asn1.Unmarshal(r.reqs[0].Body.CertReqMsgs[0].Template.Subject, &rdn); err != nil || rdn.String() != "CN=ROSSI MARIO" {
		t.Fatalf("template subject %v %v", rdn, err)
	}

	cert := writePEM(t, filepath.Join(s.dir, "ee.pem"), "CERTIFICATE", s.ee.Raw)
	key := writeKey(t, filepath.Join(s.dir, "ee.key"), s.eeKey)
	g := runOpenSSLClient(t, s.dir, "-cmd", "genm", "-infotype", "caCerts", "-cert", cert, "-key", key, "-trusted", s.trusted,
		"-srv_cert", s.srvCert, "-srv_key", s.srvKey, "-srv_trusted", s.trusted)
	if got := g.types(); got != "genm>genp" || !g.reqs[0].AsksForCACerts() {
		t.Fatalf("exchange %q\n%s", got, g.out)
	}
}

func TestOpenSSLClientErrorVectors(t *testing.T) {
	s := newInteropSetup(t)
	r := runOpenSSLClient(t, s.dir, append(s.opensslClientArgs(t, "cr"), "-send_error")...)
	if got := r.types(); got != "cr>error" {
		t.Fatalf("exchange %q\n%s", got, r.out)
	}
	e := r.rsps[0].Body.Error
	if e.Status.Status != StatusRejection || e.Status.FailInfo == 0 || len(e.ErrorDetails) == 0 {
		t.Fatalf("error content %+v", e)
	}
}

// opensslClientArgs: `openssl cmp` as the end entity (old certificate and key, new key) talking to the
// in-process mock server configured like mockServer's.
func (s *interopSetup) opensslClientArgs(t *testing.T, cmd string) []string {
	cert := writePEM(t, filepath.Join(s.dir, "ee.pem"), "CERTIFICATE", s.ee.Raw)
	key := writeKey(t, filepath.Join(s.dir, "ee.key"), s.eeKey)
	newKey := writeKey(t, filepath.Join(s.dir, "new.key"), s.newKey)
	return append([]string{"-cmd", cmd, "-cert", cert, "-key", key, "-newkey", newKey, "-trusted", s.trusted}, s.serverArgs()...)
}
