package ca

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca/dn"
	"github.com/ponte-it/ponte/internal/ca/profile"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

const (
	testIRSecret = "segreto-di-prova-ir"
	testPassword = "password-di-prova"
)

// testCA is a CA in a temp dir served on 127.0.0.1:0, restartable on the same address.
type testCA struct {
	t    *testing.T
	dir  string
	ca   *CA
	addr string
	base string
	srv  *http.Server
}

func newTestCA(t *testing.T) *testCA { t.Helper(); return newTestCAOn(t, "") }

// newTestCAOn is newTestCA on the database at url ("": SQLite in its directory).
func newTestCAOn(t *testing.T, url string) *testCA {
	t.Helper()
	dir := t.TempDir()
	res, err := Init(dir, InitOptions{Listen: "127.0.0.1:0", DemoIRSecret: testIRSecret, DemoPassword: testPassword, Database: url})
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCA{t: t, dir: dir, ca: res.CA}
	tc.start()
	t.Cleanup(tc.stop)
	return tc
}

func (tc *testCA) start() {
	tc.t.Helper()
	addr := tc.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old socket of a restart may take a moment to go
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.addr = ln.Addr().String()
	tc.base = "http://" + tc.addr
	tc.ca.SetPublicURL(tc.base)
	tc.srv = &http.Server{Handler: tc.ca.Handler()}
	go tc.srv.Serve(ln)
}

// stop shuts the server down as Serve does on SIGTERM (http.Server.Shutdown: in-flight exchanges finish
// and get their answer, bounded by the same 5 s), then closes the database. Closing abruptly instead
// would cancel a request's context between its store writes and its answer: a crash, not a restart.
func (tc *testCA) stop() {
	if tc.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if tc.srv.Shutdown(ctx) != nil {
			tc.srv.Close()
		}
		cancel()
		tc.srv = nil
	}
	if tc.ca != nil {
		tc.ca.Close()
		tc.ca = nil
	}
}

// restart closes the server and the database and opens everything again from the directory.
func (tc *testCA) restart() {
	tc.t.Helper()
	tc.stop()
	c, err := Open(tc.dir)
	if err != nil {
		tc.t.Fatal(err)
	}
	tc.ca = c
	tc.start()
}

// profile installs a profile derived from the default cns one.
func (tc *testCA) profile(name string, f func(p *profile.Profile)) {
	tc.t.Helper()
	p := *tc.ca.Profiles["cns"]
	p.Name = name
	f(&p)
	if err := tc.ca.AddProfile(&p); err != nil {
		tc.t.Fatal(err)
	}
}

func (tc *testCA) path(name string) string { return filepath.Join(tc.dir, name) }

// key makes a P-256 key and writes it to dir/name.
func (tc *testCA) key(name string) (crypto.Signer, string) {
	tc.t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tc.t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	p := tc.path(name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		tc.t.Fatal(err)
	}
	return k, p
}

// issue provisions a cns certificate directly (as ponte-ca issue does) and writes it to dir/name.
func (tc *testCA) issue(name string, key crypto.Signer, subject string, notBefore time.Time, days int) (*x509.Certificate, string) {
	tc.t.Helper()
	return tc.issueRole(name, key, subject, notBefore, days, profile.RoleCNS)
}

// issueRole is issue for a role.
func (tc *testCA) issueRole(name string, key crypto.Signer, subject string, notBefore time.Time, days int, role profile.Role) (*x509.Certificate, string) {
	tc.t.Helper()
	subj, err := dn.Marshal(subject)
	if err != nil {
		tc.t.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(key.Public())
	cert, err := tc.ca.Issue(context.Background(), &Request{Subject: subj, SPKI: spki, Role: role,
		NotBefore: notBefore, NotAfter: notBefore.AddDate(0, 0, days), Profile: "cns"})
	if err != nil {
		tc.t.Fatal(err)
	}
	p := tc.path(name)
	os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
	return cert, p
}

// card is a provisioned key and certificate, with their files (NAME.key, NAME.pem).
type card struct {
	key      crypto.Signer
	keyPath  string
	cert     *x509.Certificate
	certPath string
}

// card provisions a key and a cns certificate for subject.
func (tc *testCA) card(name, subject string, notBefore time.Time, days int) card {
	tc.t.Helper()
	var c card
	c.key, c.keyPath = tc.key(name + ".key")
	c.cert, c.certPath = tc.issue(name+".pem", c.key, subject, notBefore, days)
	return c
}

// renewable provisions a card inside the default 90-day renewal window.
func (tc *testCA) renewable(name, subject string) card {
	return tc.card(name, subject, inWindow(), 1100)
}

// inWindow is a notBefore that makes a 1100-day certificate expire in about 40 days: inside the
// default 90-day renewal window.
func inWindow() time.Time { return time.Now().UTC().Truncate(time.Second).AddDate(0, 0, -1060) }

// openssl runs the real openssl with a time limit and returns its combined output.
func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := testenv.Tool(t, "openssl")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "http_proxy=", "HTTP_PROXY=", "no_proxy=*")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// cmpArgs are the openssl cmp options every test uses against tc on a profile.
func (tc *testCA) cmpArgs(profileName string, more ...string) []string {
	args := []string{"cmp", "-server", tc.base, "-path", ".well-known/cmp/p/" + profileName,
		"-msg_timeout", "20", "-total_timeout", "80"}
	return append(args, more...)
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParseCertificatePEM(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("output lacks %q:\n%s", w, out)
		}
	}
}
