package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/ca"
	"github.com/ponte-it/ponte/internal/renew"
	"github.com/ponte-it/ponte/internal/testkit/testbed"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// A token flagged CKF_WRITE_PROTECTED (the lockshim module over SoftHSM): `ponte renew` refuses with the
// reason in Italian and English before it reads the PIN.
func TestRenewRefusesWriteProtectedBeforePIN(t *testing.T) {
	t.Setenv("LOCKSHIM_WRITE_PROTECTED", "1")
	bed, run := bedCLI(t, testbed.Options{NoPCSC: true, Shim: testenv.PKCS11Module(t, "lockshim")})
	profile := filepath.Join(bed.ProfilesDir, "cns-rekey.json")
	_, stderr, err := run("s\n", "renew", "--card", bed.Card.Serial, "--role", "cns", "--profile", profile)
	if err == nil || !strings.Contains(stderr, "non essere scritta") || !strings.Contains(stderr, "cannot be written") {
		t.Fatalf("ponte renew on a write-protected token: %v\n%s", err, stderr)
	}
	if strings.Contains(stderr, "PIN: ") { // the prompt (secrets.read); the terms may name the PIN
		t.Fatalf("the PIN was asked before the refusal:\n%s", stderr)
	}
}

// `ponte renewals abandon ID`: a renewal waiting at the CA is cancelled — the certificate the CA issued
// meanwhile is rejected and revoked, the new key leaves the card, the record on disk is closed.
func TestRenewalsAbandonFromTheCommandLine(t *testing.T) {
	bed, run := bedCLI(t, testbed.Options{NoPCSC: true})
	p := *bed.CA.Profiles["cns"]
	p.DelaySeconds = 2
	if err := bed.CA.AddProfile(&p); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(bed.ProfilesDir, "cns-rekey.json")
	var cp map[string]any
	b, _ := os.ReadFile(profile)
	json.Unmarshal(b, &cp)
	cp["maxWaitSeconds"], cp["implicitConfirm"] = 0, false // pending at once; certConf can reject
	b, _ = json.Marshal(cp)
	os.WriteFile(profile, b, 0o644)

	out, stderr, err := run("s\n"+testbed.PIN+"\n", "renew", "--card", bed.Card.Serial, "--role", "cns", "--profile", profile)
	id := regexp.MustCompile(`--resume ([0-9a-f]+)`).FindStringSubmatch(out)
	if err != nil || id == nil {
		t.Fatalf("ponte renew: %v\n%s\n%s", err, out, stderr)
	}
	time.Sleep(3 * time.Second) // the CA issues meanwhile
	out, stderr, err = run(testbed.PIN+"\n", "renewals", "abandon", id[1], "--profile", profile)
	if err != nil || !strings.Contains(out, "annullato") {
		t.Fatalf("ponte renewals abandon: %v\n%s\n%s", err, out, stderr)
	}
	data, err := os.ReadFile(filepath.Join(bed.Dir, "state", "ponte", "renewals", id[1]+".json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := renew.DecodeRenewal(data)
	if err != nil || r.Step != renew.StepFailed || r.Failure.Code != "abandoned" || r.NewCert == nil {
		t.Fatalf("record on disk: %+v %v", r, err)
	}
	x, _ := x509.ParseCertificate(r.NewCert)
	c, err := bed.CA.Store.Cert(context.Background(), ca.SerialHex(x.SerialNumber))
	if err != nil || c.RevokedAt.IsZero() {
		t.Fatalf("the cancelled renewal's certificate at the CA: %+v %v", c, err)
	}
	cmd := exec.Command(testenv.Tool(t, "pkcs11-tool"), "--module", bed.SoftHSM, "--login", "--pin", testbed.PIN, "--list-objects")
	cmd.Env = append(os.Environ(), bed.Env...)
	list, err := cmd.CombinedOutput()
	if err != nil || strings.Contains(string(list), "ID:         "+r.NewKey) || !strings.Contains(string(list), "ID:         "+r.OldKey) {
		t.Fatalf("card after Annulla (new key %s, old %s): %v\n%s", r.NewKey, r.OldKey, err, list)
	}
}

// `ponte renewals abandon ../../x`: an ID that is a path is not a renewal: the refusal is clear in Italian
// and English, nothing is asked, and no file outside the journal (here a decoy where the path leads) goes.
func TestRenewalsAbandonPathID(t *testing.T) {
	bed, run := bedCLI(t, testbed.Options{NoPCSC: true})
	profile := filepath.Join(bed.ProfilesDir, "cns-rekey.json")
	decoy := filepath.Join(bed.Dir, "state", "x.json") // where ../../x.json leads from state/ponte/renewals
	os.MkdirAll(filepath.Dir(decoy), 0o700)
	if err := os.WriteFile(decoy, []byte(`{"id":"x","step":"start"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := run(testbed.PIN+"\n", "renewals", "abandon", "../../x", "--profile", profile)
	if err == nil || !strings.Contains(stderr, "non trovato") || !strings.Contains(stderr, "not found") || strings.Contains(stderr, "PIN") {
		t.Fatalf("ponte renewals abandon ../../x: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(decoy); err != nil {
		t.Fatalf("the decoy outside the journal: %v", err)
	}
}
