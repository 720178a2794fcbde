package softcard_test

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

var holder = softcard.Holder{Surname: "Rossi", GivenName: "Mario", CodiceFiscale: "RSSMRA80A01H501U", CardID: "8038000000000001"}

// TestCommand builds ponte-softcard, provisions a card with it, and checks the result with independent
// tools: openssl (certificate chain, CNS policy, nonRepudiation, subject) and OpenSC's pkcs11-tool
// (token label, objects on the token).
func TestCommand(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	tool := testenv.Tool(t, "pkcs11-tool")
	lib := softhsm(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "ponte-softcard")
	if out, err := exec.Command("go", testenv.BuildArgs("-o", bin, "github.com/ponte-it/ponte/cmd/ponte-softcard")...).CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-dir", dir, "-module", lib, "-surname", holder.Surname, "-name", holder.GivenName,
		"-cf", holder.CodiceFiscale, "-card-id", holder.CardID)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF=", "PONTE_SOFTCARD_PIN=11112222", "PONTE_SOFTCARD_PUK=33334444")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ponte-softcard: %v", err)
	}
	if strings.Contains(string(out), "11112222") || strings.Contains(string(out), "33334444") {
		t.Fatal("the PIN or PUK was printed")
	}
	var res struct {
		Label  string `json:"label"`
		Conf   string `json:"softhsm2_conf"`
		Out    string `json:"out"`
		AuthID string `json:"auth_id"`
		SignID string `json:"sign_id"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	if res.Label != "MARIO ROSSI" || res.Conf != filepath.Join(dir, "softhsm2.conf") {
		t.Fatalf("output: %s", out)
	}
	ca := filepath.Join(res.Out, "ca.pem")
	for _, c := range []struct{ file, want string }{
		{"cns0.der", "1.3.76.16.2.1"},
		{"cns1.der", "Non Repudiation"},
	} {
		f := filepath.Join(res.Out, c.file)
		if b, err := exec.Command(openssl, "verify", "-CAfile", ca, f).CombinedOutput(); err != nil {
			t.Fatalf("openssl verify %s: %v\n%s", c.file, err, b)
		}
		text, err := exec.Command(openssl, "x509", "-inform", "DER", "-in", f, "-noout", "-text").CombinedOutput()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []string{c.want, "CN = RSSMRA80A01H501U/8038000000000001.", "SN = ROSSI", "GN = MARIO", "serialNumber = TINIT-RSSMRA80A01H501U", "Public-Key: (2048 bit)"} {
			if !strings.Contains(string(text), w) {
				t.Errorf("%s lacks %q:\n%s", c.file, w, text)
			}
		}
	}
	tl := exec.Command(tool, "--module", lib, "--token-label", "MARIO ROSSI", "--list-objects", "--login", "--pin", "11112222")
	tl.Env = append(os.Environ(), "SOFTHSM2_CONF="+res.Conf)
	b, err := tl.CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, b)
	}
	for _, w := range []string{"label:      CNS0", "label:      CNS1", "ID:         " + res.AuthID, "ID:         " + res.SignID, "Certificate Object; type = X.509 cert", "never extractable"} {
		if !strings.Contains(string(b), w) {
			t.Errorf("pkcs11-tool lacks %q:\n%s", w, b)
		}
	}
	if n := strings.Count(string(b), "Private Key Object"); n != 2 {
		t.Errorf("%d private keys, want 2", n)
	}
}

// TestPonteCAIssuer provisions the card with certificates from the real ponte-ca command
// (`ponte-ca issue`), as a deployment without the Go testbed would.
func TestPonteCAIssuer(t *testing.T) {
	dir := t.TempDir()
	bin := testenv.Build(t, "cmd/ponte-ca", "ponte-ca")
	if out, err := exec.Command(bin, "init", "--dir", filepath.Join(dir, "ca")).CombinedOutput(); err != nil {
		t.Fatalf("ponte-ca init: %v\n%s", err, out)
	}
	lib := softhsm(t)
	card, err := softcard.Provision(emptyToken(t, dir), softcard.Config{Module: lib, Holder: holder, PIN: []byte("12345678"), PUK: []byte("87654321"),
		Issuer: softcard.PonteCA{Bin: bin, Dir: filepath.Join(dir, "ca")}.Issue})
	if err != nil {
		t.Fatal(err)
	}
	for _, der := range [][]byte{card.AuthCert, card.SignCert} {
		if _, err := x509.ParseCertificate(der); err != nil {
			t.Fatal(err)
		}
	}
}

// emptyToken points SoftHSM at a new token directory under dir and returns a manager to load it.
func emptyToken(t *testing.T, dir string) *p11.Manager {
	t.Helper()
	conf, err := softcard.WriteSoftHSMConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	m := p11.NewManager()
	t.Cleanup(func() { m.Close() })
	return m
}

func softhsm(t *testing.T) string {
	d, _ := p11.DriverByName("softhsm")
	l := p11.NewLocator()
	return testenv.File(t, "libsofthsm2.so (package softhsm2)", d.Candidates(l.GOOS, l.GOARCH)...)
}

func TestHolder(t *testing.T) {
	if err := holder.Validate(); err != nil {
		t.Fatal(err)
	}
	long := softcard.Holder{Surname: strings.Repeat("X", 40), GivenName: "Maria Giovanna", CodiceFiscale: "XXXMGV80A41H501A", CardID: "1"}
	if l := long.Label(); len(l) != 32 || !strings.HasPrefix(l, "MARIA GIOVANNA X") {
		t.Fatalf("label %q", l)
	}
	for _, bad := range []softcard.Holder{
		{GivenName: "Mario", CodiceFiscale: holder.CodiceFiscale, CardID: "1"},
		{Surname: "Rossi", GivenName: "Mario", CodiceFiscale: "SHORT", CardID: "1"},
		{Surname: "Rossi", GivenName: "Mario", CodiceFiscale: holder.CodiceFiscale, CardID: strings.Repeat("1", 17)},
	} {
		if bad.Validate() == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}
