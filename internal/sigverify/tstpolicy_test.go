package sigverify

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestTimeStampOwnStrength: a time stamp is a proof of time only if it can itself be trusted today, since
// nothing later covers it (EN 319 102-1 §5.6.2.3; ETSI TS 119 312): one signed by a TSA key of RSA 1024
// bits, or with SHA-1, from a TSA the anchors trust, proves nothing — anyone who factors that key can
// date a signature at will — and one dated in the future proves nothing either. Each is reported as an
// untrusted stamp and the chain is judged now: a signer certificate that expired in 2013 is then NON
// VERIFICABILE / OUT_OF_BOUNDS_NO_POE; one valid only from next year is NON VALIDA / NOT_YET_VALID.
// Control: the same stamp by an RSA-2048 TSA with SHA-256 proves the time (VALIDA CON AVVERTENZE:
// revocation not checked). Certificates, signatures and stamps by openssl under faketime.
func TestTimeStampOwnStrength(t *testing.T) {
	p := &matrixPKI{dir: t.TempDir(), openssl: testenv.Tool(t, "openssl"), faketime: testenv.Tool(t, "faketime"), certs: map[string]string{}}
	future := time.Now().AddDate(1, 0, 0).UTC().Format("2006-01-02 15:04:05")
	os.WriteFile(p.path("ext.cnf"), []byte(`[signer]
basicConstraints=CA:FALSE
keyUsage=critical,nonRepudiation
[tsa]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
`), 0o644)
	p.run(t, rootAt, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p.path("root.key"), "-out", p.path("root.pem"),
		"-subj", "/C=IT/CN=Radice", "-days", "9000", "-sha256")
	issue := func(name, bits, at, days, section string) {
		p.run(t, "", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:"+bits, "-out", p.path(name+".key"))
		p.run(t, "", "req", "-new", "-key", p.path(name+".key"), "-subj", "/C=IT/CN="+name, "-out", p.path(name+".csr"))
		p.run(t, at, "x509", "-req", "-in", p.path(name+".csr"), "-CA", p.path("root.pem"), "-CAkey", p.path("root.key"),
			"-set_serial", fmt.Sprint(len(p.certs)+2), "-days", days, "-sha256", "-extfile", p.path("ext.cnf"), "-extensions", section, "-out", p.path(name+".pem"))
		p.certs[name] = p.path(name + ".pem")
	}
	issue("expired", "2048", issuedAt, "730", "signer")
	issue("later", "2048", future, "365", "signer") // valid from a year from now
	issue("tsa2048", "2048", issuedAt, "8000", "tsa")
	issue("tsa1024", "1024", issuedAt, "8000", "tsa")
	for _, h := range []string{"sha256", "sha1"} {
		os.WriteFile(p.path("tsa-"+h+".cnf"), []byte(`[tsa]
default_tsa = c
[c]
serial = `+p.path("tsaserial")+`
crypto_device = builtin
signer_digest = `+h+`
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256
ess_cert_id_alg = sha256
`), 0o644)
	}
	os.WriteFile(p.path("tsaserial"), []byte("01\n"), 0o644)
	os.WriteFile(p.path("doc.txt"), []byte("Verbale di consegna.\n"), 0o644)
	anchors := cms.StaticAnchors{readCert(t, p.path("root.pem"))}
	for _, tc := range []struct {
		name, signer, signAt, tsa, digest, stampAt string
		stamped                                    bool
		level                                      Level
		sub                                        string
	}{
		{"control", "expired", signedAt, "tsa2048", "sha256", signedAt, true, LevelWarnings, ""},
		{"TSA RSA 1024", "expired", signedAt, "tsa1024", "sha256", signedAt, false, LevelCannotVerify, SubOutOfBoundsNoPOE},
		{"TSA SHA-1", "expired", signedAt, "tsa2048", "sha1", signedAt, false, LevelCannotVerify, SubOutOfBoundsNoPOE},
		{"stamp in the future", "later", future, "tsa2048", "sha256", future, false, LevelNotValid, SubNotYetValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := p.path(tc.signer + ".p7m")
			p.run(t, tc.signAt, "cms", "-sign", "-cades", "-binary", "-nodetach", "-outform", "DER", "-in", p.path("doc.txt"),
				"-signer", p.certs[tc.signer], "-inkey", p.path(tc.signer+".key"), "-md", "sha256", "-out", out)
			der, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			sd, err := cms.Parse(der)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(p.path("sig"), sd.Signers[0].Signature, 0o644)
			p.run(t, "", "ts", "-query", "-data", p.path("sig"), "-sha256", "-cert", "-no_nonce", "-out", p.path("sig.tsq"))
			p.run(t, tc.stampAt, "ts", "-reply", "-config", p.path("tsa-"+tc.digest+".cnf"), "-queryfile", p.path("sig.tsq"),
				"-signer", p.certs[tc.tsa], "-inkey", p.path(tc.tsa+".key"), "-chain", p.path("root.pem"), "-token_out", "-out", p.path("sig.tst"))
			tok, err := os.ReadFile(p.path("sig.tst"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := File(docio.Bytes(withTimeStamp(t, der, tok)), nil, cms.VerifyOptions{Anchors: anchors})
			if err != nil || len(rep.Signers) != 1 {
				t.Fatalf("%v", err)
			}
			s := rep.Signers[0]
			v := s.Verdict()
			if s.TimeStamped != tc.stamped || v.Level != tc.level || v.SubIndication != tc.sub {
				t.Fatalf("stamped %v, verdict %s %s, want %v %s %s (stamp: %s; reasons %v)", s.TimeStamped, v.Level, v.SubIndication,
					tc.stamped, tc.level, tc.sub, s.UntrustedStampEN, texts(v.Reasons))
			}
			if !tc.stamped && s.UntrustedStampEN == "" {
				t.Fatal("the stamp not used is not reported")
			}
		})
	}
}
