package ca

import (
	"context"
	"testing"

	"github.com/ponte-it/ponte/internal/ca/profile"
)

// TestOpenSSLWeakKeyRefused: a 1024-bit RSA key is refused with badCertTemplate and the reason in
// words, in a kur and in a MAC-protected ir; a P-521 key is refused with badAlg; nothing is recorded in
// the CA's database and a 2048-bit key then passes.
func TestOpenSSLWeakKeyRefused(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	oc := tc.renewable("old", "/C=IT/CN=CHIAVE DEBOLE")
	genkey := func(name string, args ...string) string {
		t.Helper()
		if out, err := openssl(t, append([]string{"genpkey", "-out", tc.path(name)}, args...)...); err != nil {
			t.Fatalf("openssl genpkey: %v\n%s", err, out)
		}
		return tc.path(name)
	}
	weak := genkey("weak.key", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
	p521 := genkey("p521.key", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521")
	kur := func(newKey, out string) (string, error) {
		return openssl(t, tc.cmpArgs("now", "-cmd", "kur", "-cert", oc.certPath, "-key", oc.keyPath, "-newkey", newKey,
			"-trusted", tc.path(CertFile), "-certout", tc.path(out))...)
	}
	out, err := kur(weak, "weak.pem")
	if err == nil {
		t.Fatalf("1024-bit key certified:\n%s", out)
	}
	mustContain(t, out, "rejection", "badCertTemplate", "keyTooSmall: chiave RSA di 1024 bit, ne servono almeno 2048", "RSA key of 1024 bits, at least 2048 are needed")
	out, err = openssl(t, tc.cmpArgs("now", "-cmd", "ir", "-ref", "demo", "-secret", "pass:"+testIRSecret, "-newkey", weak,
		"-subject", "/CN=DEBOLE", "-trusted", tc.path(CertFile), "-certout", tc.path("weakir.pem"))...)
	if err == nil {
		t.Fatalf("1024-bit key certified by ir:\n%s", out)
	}
	mustContain(t, out, "badCertTemplate", "keyTooSmall")
	out, err = kur(p521, "p521.pem")
	if err == nil {
		t.Fatalf("P-521 key certified:\n%s", out)
	}
	mustContain(t, out, "badAlg", "keyAlgorithmNotAllowed: curva P-521 non ammessa (ammesse: P-256, P-384)")
	certs, err := tc.ca.Store.Certs(context.Background())
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates in the database after the refusals: %d %v", len(certs), err)
	}
	out, err = kur(genkey("ok.key", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"), "ok.pem")
	if err != nil {
		t.Fatalf("2048-bit key refused: %v\n%s", err, out)
	}
	checkI2(t, tc, oc.cert, 1)
}

// TestOpenSSLKeyKindsRefusedByName: keys Go cannot verify a proof of possession with (RSA-PSS, Ed448,
// a brainpool curve, P-256 with explicit parameters) are refused for what they are — badAlg
// keyAlgorithmNotAllowed naming the algorithm — not as a bad proof of possession; an RSA key with
// public exponent 3 is refused too (CA/Browser Forum BR §6.1.6: at least 2^16+1); nothing is recorded.
func TestOpenSSLKeyKindsRefusedByName(t *testing.T) {
	tc := newTestCA(t)
	tc.profile("now", func(p *profile.Profile) { p.DelaySeconds = 0 })
	oc := tc.renewable("old", "/C=IT/CN=CHIAVE STRANA")
	for _, k := range []struct {
		name string
		args []string
		want string
	}{
		{"pss", []string{"-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"}, "chiave RSA-PSS non ammessa"},
		{"ed448", []string{"-algorithm", "ED448"}, "chiave Ed448 non ammessa"},
		{"brainpool", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1"}, "curva 1.3.36.3.3.2.8.1.1.7 non ammessa"},
		{"explicit", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:explicit"}, "curva specifiedCurve non ammessa"},
		{"e3", []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_pubexp:3"}, "esponente pubblico RSA 3 non ammesso"},
	} {
		key := tc.path(k.name + ".key")
		if out, err := openssl(t, append([]string{"genpkey", "-out", key}, k.args...)...); err != nil {
			t.Fatalf("openssl genpkey: %v\n%s", err, out)
		}
		out, err := openssl(t, tc.cmpArgs("now", "-cmd", "kur", "-cert", oc.certPath, "-key", oc.keyPath, "-newkey", key,
			"-trusted", tc.path(CertFile), "-certout", tc.path(k.name+".pem"))...)
		if err == nil {
			t.Fatalf("%s key certified:\n%s", k.name, out)
		}
		mustContain(t, out, "badAlg", "keyAlgorithmNotAllowed: "+k.want)
	}
	checkI2(t, tc, oc.cert, 0)
	if certs, err := tc.ca.Store.Certs(context.Background()); err != nil || len(certs) != 1 {
		t.Fatalf("certificates in the database after the refusals: %d %v", len(certs), err)
	}
}
