package sigverify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// TestSignerCertificateUsage: a .p7m made by `openssl cms -sign -cades` with a certificate whose key is
// not meant to sign documents — keyEncipherment only, an extended key usage of TLS server only, a TSA's
// critical timeStamping, a CA certificate — chains to the trusted root but is never valid: NON
// VERIFICABILE / CHAIN_CONSTRAINTS_FAILURE (cms.SignerUsage). Control: nonRepudiation is valid.
func TestSignerCertificateUsage(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(path("ext.cnf"), []byte(`[good]
basicConstraints=CA:FALSE
keyUsage=critical,nonRepudiation
[enc]
basicConstraints=CA:FALSE
keyUsage=critical,keyEncipherment
[server]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
[tsa]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign,nonRepudiation
`), 0o644)
	os.WriteFile(path("doc.txt"), []byte("Determina n. 12\n"), 0o644)
	signtest.Run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("root.key"), "-out", path("root.pem"),
		"-subj", "/C=IT/CN=Radice", "-days", "30")
	anchors := cms.StaticAnchors{readCert(t, path("root.pem"))}
	for i, tc := range []struct {
		section string
		valid   bool
	}{{"good", true}, {"enc", false}, {"server", false}, {"tsa", false}, {"ca", false}} {
		t.Run(tc.section, func(t *testing.T) {
			key, cert, p7m := path(tc.section+".key"), path(tc.section+".pem"), path(tc.section+".p7m")
			signtest.Run(t, openssl, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", "/C=IT/CN=ROSSI MARIO", "-out", path("req.csr"))
			signtest.Run(t, openssl, "x509", "-req", "-in", path("req.csr"), "-CA", path("root.pem"), "-CAkey", path("root.key"),
				"-set_serial", string(rune('1'+i)), "-days", "10", "-extfile", path("ext.cnf"), "-extensions", tc.section, "-out", cert)
			signtest.Run(t, openssl, "cms", "-sign", "-cades", "-binary", "-nodetach", "-md", "sha256", "-in", path("doc.txt"),
				"-signer", cert, "-inkey", key, "-outform", "DER", "-out", p7m)
			der, err := os.ReadFile(p7m)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := File(docio.Bytes(der), nil, cms.VerifyOptions{Anchors: anchors})
			if err != nil || len(rep.Signers) != 1 {
				t.Fatalf("%v", err)
			}
			s := rep.Signers[0]
			v := s.Verdict()
			if !s.Integrity {
				t.Fatalf("integrity: %v", s.Problems)
			}
			if tc.valid != (v.ExitCode() == 0) {
				t.Fatalf("verdict %s %s (chain %s: %s)", v.Level, v.SubIndication, s.Chain, s.ChainDetail)
			}
			if !tc.valid && (v.Level != LevelCannotVerify || v.SubIndication != SubChainConstraints) {
				t.Fatalf("verdict %s %s, want NON VERIFICABILE %s", v.Level, v.SubIndication, SubChainConstraints)
			}
		})
	}
}

// TestWeakCAKey: the algorithm policy covers the keys above the signer too: a certificate issued by an
// intermediate CA with an RSA key of 1024 bits (made by openssl, signing with `cms -sign -certfile`)
// could be forged by whoever factors that key, so without a trusted time stamp before
// PolicyRSA1024Until it is NON VERIFICABILE / CRYPTO_CONSTRAINTS_FAILURE_NO_POE, naming the authority.
func TestWeakCAKey(t *testing.T) {
	openssl := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	os.WriteFile(path("ext.cnf"), []byte(`[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
[signer]
basicConstraints=CA:FALSE
keyUsage=critical,nonRepudiation
`), 0o644)
	os.WriteFile(path("doc.txt"), []byte("Mandato di pagamento n. 7\n"), 0o644)
	signtest.Run(t, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("root.key"), "-out", path("root.pem"),
		"-subj", "/C=IT/CN=Radice", "-days", "30")
	for _, bits := range []string{"2048", "1024"} {
		t.Run(bits, func(t *testing.T) {
			issue := func(name, subj, bits, ca, section string) {
				signtest.Run(t, openssl, "req", "-new", "-newkey", "rsa:"+bits, "-nodes", "-keyout", path(name+".key"), "-subj", subj, "-out", path(name+".csr"))
				signtest.Run(t, openssl, "x509", "-req", "-in", path(name+".csr"), "-CA", path(ca+".pem"), "-CAkey", path(ca+".key"),
					"-set_serial", "0x"+bits+"0"+string(rune('1'+len(name)%8)), "-days", "10", "-extfile", path("ext.cnf"), "-extensions", section, "-out", path(name+".pem"))
			}
			issue("inter", "/C=IT/CN=CA Intermedia "+bits, bits, "root", "ca")
			issue("leaf", "/C=IT/CN=ROSSI MARIO", "2048", "inter", "signer")
			signtest.Run(t, openssl, "cms", "-sign", "-cades", "-binary", "-nodetach", "-md", "sha256", "-in", path("doc.txt"),
				"-signer", path("leaf.pem"), "-inkey", path("leaf.key"), "-certfile", path("inter.pem"), "-outform", "DER", "-out", path("s.p7m"))
			der, err := os.ReadFile(path("s.p7m"))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := File(docio.Bytes(der), nil, cms.VerifyOptions{Anchors: cms.StaticAnchors{readCert(t, path("root.pem"))}})
			if err != nil {
				t.Fatal(err)
			}
			v := rep.Verdict()
			if bits == "2048" && v.ExitCode() != 0 {
				t.Fatalf("control: %s %s %v", v.Level, v.SubIndication, texts(v.Reasons))
			}
			if bits == "1024" && (v.Level != LevelCannotVerify || v.SubIndication != SubCryptoNoPOE || !strings.Contains(strings.Join(texts(v.Reasons), " "), "CA Intermedia 1024")) {
				t.Fatalf("1024-bit CA: %s %s %v", v.Level, v.SubIndication, texts(v.Reasons))
			}
		})
	}
}
