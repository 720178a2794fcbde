package cards_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/host/p11"
	"github.com/ponte-it/ponte/internal/hostcard"
	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/softcard"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

func TestMain(m *testing.M) {
	p11.RunProbeIfRequested()
	os.Exit(m.Run())
}

// A SoftHSM2 token provisioned as a TS-CNS, reached through a real ponte-host child (`ponte-host stdio`),
// exactly as the `ponte` command line and the renewal reach a card.
func startHost(t *testing.T) (*hostcard.Spawned, *softcard.Card, *softcard.TestCA) {
	t.Helper()
	bin, card, ca := buildHostAndCard(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	h, err := hostcard.Spawn(ctx, bin, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h, card, ca
}

// buildHostAndCard provisions the SoftHSM2 TS-CNS (the environment points there) and builds ponte-host.
func buildHostAndCard(t *testing.T) (string, *softcard.Card, *softcard.TestCA) {
	t.Helper()
	d, _ := p11.DriverByName("softhsm")
	l := p11.NewLocator()
	lib := testenv.File(t, "libsofthsm2.so (package softhsm2)", d.Candidates(l.GOOS, l.GOARCH)...)
	dir := t.TempDir()
	conf, err := softcard.WriteSoftHSMConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", conf)
	t.Setenv("PONTE_PKCS11_MODULE", lib)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("XDG_STATE_HOME", dir)
	t.Setenv("PCSCLITE_CSOCK_NAME", filepath.Join(dir, "no-pcscd")) // PKCS#11 only: no PC/SC here
	ca, err := softcard.NewTestCA("Ponte test CNS CA")
	if err != nil {
		t.Fatal(err)
	}
	m := p11.NewManager()
	card, err := softcard.Provision(m, softcard.Config{Module: lib, Holder: softcard.Holder{Surname: "Rossi", GivenName: "Mario",
		CodiceFiscale: "RSSMRA80A01H501U", CardID: "8038000000000001"}, PIN: []byte("12345678"), PUK: []byte("87654321"), Issuer: ca.Issue})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()

	bin := filepath.Join(dir, "ponte-host")
	if out, err := exec.Command("go", testenv.BuildArgs("-o", bin, filepath.Join(testenv.Root(), "host"))...).CombinedOutput(); err != nil {
		t.Fatalf("building ponte-host: %v\n%s", err, out)
	}
	return bin, card, ca
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func code(err error) protocol.Code {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func find(t *testing.T, info *protocol.Card, role string) protocol.Certificate {
	t.Helper()
	for _, c := range info.Certificates {
		if c.Role == role {
			return c
		}
	}
	t.Fatalf("no %s certificate in %+v", role, info.Certificates)
	return protocol.Certificate{}
}

func TestEveryCardOperationThroughTheHost(t *testing.T) {
	h, sc, ca := startHost(t)
	c := ctx(t)
	readers, err := hostcard.List(c, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(readers) != 1 || readers[0].Card == nil || readers[0].Card.ID != sc.Serial {
		t.Fatalf("cards: %+v", readers)
	}
	card := hostcard.New(h, sc.Serial)
	info := readers[0].Card
	if info.Token == nil || info.Token.Label != sc.Label || len(info.Certificates) != 2 {
		t.Fatalf("token view: %+v", info)
	}
	auth, sig := find(t, info, "cns"), find(t, info, "signature")
	if auth.KeyBits != 2048 || sig.KeyBits != 2048 || auth.HasKey {
		t.Fatalf("certificates before login (private keys are hidden): %+v / %+v", auth, sig)
	}

	// A wrong PIN is one try, reported with the token's flags; nothing retries it.
	_, err = card.Login(c, protocol.Secret("00000000"))
	if code(err) != protocol.ErrPINIncorrect {
		t.Fatalf("wrong PIN: %v", err)
	}
	if info, _ = card.Info(c); !info.Token.PIN.CountLow {
		t.Fatalf("count-low flag not reported after a wrong PIN: %+v", info.Token.PIN)
	}
	if _, err := card.Login(c, protocol.Secret("12345678")); err != nil {
		t.Fatal(err)
	}
	info, _ = card.Info(c)
	if a, s := find(t, info, "cns"), find(t, info, "signature"); !a.HasKey || !s.HasKey || a.AlwaysAuthenticate || !s.AlwaysAuthenticate {
		t.Fatalf("after login: %+v / %+v", a, s)
	}

	// Sign with the authentication key; the signature key needs its own PIN each time.
	x, _ := x509.ParseCertificate(auth.DER)
	digest := sha256.Sum256([]byte("Ponte"))
	s, err := card.Signer(c, auth.ID, x.PublicKey, nil).Sign(nil, digest[:], crypto.SHA256)
	if err != nil || rsa.VerifyPKCS1v15(x.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], s) != nil {
		t.Fatalf("authentication signature: %v", err)
	}
	xs, _ := x509.ParseCertificate(sig.DER)
	if _, err := card.Signer(c, sig.ID, xs.PublicKey, nil).Sign(nil, digest[:], crypto.SHA256); err == nil {
		t.Fatal("signature key signed without its context-specific PIN")
	}
	pin := func() (protocol.Secret, error) { return protocol.Secret("12345678"), nil }
	s, err = card.Signer(c, sig.ID, xs.PublicKey, pin).Sign(nil, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
	if err != nil || rsa.VerifyPSS(xs.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], s, nil) != nil {
		t.Fatalf("qualified signature (PSS): %v", err)
	}

	// A new key; asking again with the same label returns the same pair (an interrupted renewal).
	id, pub, err := card.GenerateKey(c, 2048, "ponte-test-renewal", false)
	if err != nil {
		t.Fatal(err)
	}
	id2, pub2, err := card.GenerateKey(c, 2048, "ponte-test-renewal", false)
	if err != nil || id2 != id || !pub2.(*rsa.PublicKey).Equal(pub) {
		t.Fatalf("second generate-key with the label made another key: %s vs %s (%v)", id, id2, err)
	}
	der, err := ca.Issue(pub, pkix.Name{CommonName: "RSSMRA80A01H501U/8038000000000001"}, softcard.RoleAuthentication)
	if err != nil {
		t.Fatal(err)
	}
	if err := card.WriteCertificate(c, id, "CNS0", auth.DER); code(err) == "" {
		t.Fatal("a certificate for another key was written")
	}
	if err := card.WriteCertificate(c, id, "CNS0", der); err != nil {
		t.Fatal(err)
	}
	if info, _ = card.Info(c); len(info.Certificates) != 3 {
		t.Fatalf("after write: %d certificates", len(info.Certificates))
	}
	// Remove just the new certificate, then the new key pair.
	if err := card.DeleteObjects(c, protocol.DeleteObjects{Key: id, Certificate: der}); err != nil {
		t.Fatal(err)
	}
	if err := card.DeleteObjects(c, protocol.DeleteObjects{Key: id, PrivateKey: true, PublicKey: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := card.GenerateKey(c, 1024, "weak", false); code(err) != protocol.ErrBadRequest {
		t.Fatalf("RSA-1024 key generation: %v", err)
	}
	if info, _ = card.Info(c); len(info.Certificates) != 2 {
		t.Fatalf("after delete: %d certificates", len(info.Certificates))
	}

	// Change the PIN; unblock with the PUK.
	if _, err := card.ChangePIN(c, protocol.Secret("12345678"), protocol.Secret("24681357")); err != nil {
		t.Fatal(err)
	}
	if _, err := card.UnblockPIN(c, protocol.Secret("99999999"), protocol.Secret("11223344")); code(err) != protocol.ErrPUKIncorrect {
		t.Fatalf("wrong PUK: %v", err)
	}
	if _, err := card.UnblockPIN(c, protocol.Secret("87654321"), protocol.Secret("11223344")); err != nil {
		t.Fatal(err)
	}
	if _, err := card.Login(c, protocol.Secret("11223344")); err != nil {
		t.Fatalf("login with the PIN set by the unblock: %v", err)
	}
}

// diagnose, as the protocol command the setup page uses and as `ponte-host diagnose` prints it: what is
// seen, the driver that loads, and advice in words.
func TestDiagnose(t *testing.T) {
	h, sc, _ := startHost(t)
	c := ctx(t)
	var res protocol.DiagnoseResult
	if err := h.Call(c, protocol.CmdDiagnose, nil, &res); err != nil {
		t.Fatal(err)
	}
	if res.PCSC.OK || len(res.Readers) != 1 || res.Readers[0].Card == nil || res.Readers[0].Card.ID != sc.Serial {
		t.Fatalf("diagnose: pcsc %+v, readers %+v", res.PCSC, res.Readers)
	}
	var env *protocol.DriverStatus
	for i, d := range res.Drivers {
		if d.Source == "env" {
			env = &res.Drivers[i]
		}
	}
	if env == nil || !env.Installed || !env.Loads || env.Tokens < 1 { // SoftHSM also counts its empty slot
		t.Fatalf("the module named by PONTE_PKCS11_MODULE: %+v", res.Drivers)
	}
	if len(res.Advice) == 0 || !strings.Contains(res.Advice[0].IT, "pcscd") {
		t.Fatalf("first advice should be about the smart card service: %+v", res.Advice)
	}

	out, err := exec.Command(testenv.Build(t, "host", "ponte-host"), "diagnose").CombinedOutput()
	if err != nil {
		t.Fatalf("ponte-host diagnose: %v\n%s", err, out)
	}
	for _, want := range []string{"Servizio smart card: NON attivo", "Certificato: cns", "Certificato: signature", "installato, funziona", "Cosa fare:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ponte-host diagnose lacks %q:\n%s", want, out)
		}
	}
	js, err := exec.Command(testenv.Build(t, "host", "ponte-host"), "diagnose", "--json").Output()
	var back protocol.DiagnoseResult
	if err != nil || json.Unmarshal(js, &back) != nil || len(back.Readers) != 1 {
		t.Fatalf("diagnose --json: %v\n%s", err, js)
	}
}
