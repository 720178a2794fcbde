package certcache

import (
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

// makeCert makes a workstation-like certificate and its .pem, .cer and legacy .p12 with openssl.
func makeCert(t *testing.T, days int) (dir string) {
	t.Helper()
	openssl := testenv.Tool(t, "openssl")
	dir = t.TempDir()
	run := func(args ...string) {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(dir, "key.pem"),
		"-out", filepath.Join(dir, "c.pem"), "-days", "20", "-subj", "/CN=XXXXX-PC-0001/O=Comune di Prova")
	run("x509", "-in", filepath.Join(dir, "c.pem"), "-outform", "DER", "-out", filepath.Join(dir, "c.cer"))
	run("pkcs12", "-export", "-in", filepath.Join(dir, "c.pem"), "-inkey", filepath.Join(dir, "key.pem"),
		"-out", filepath.Join(dir, "c.p12"), "-passout", "pass:segreta",
		"-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1")
	run("pkcs12", "-export", "-in", filepath.Join(dir, "c.pem"), "-inkey", filepath.Join(dir, "key.pem"),
		"-out", filepath.Join(dir, "aes.p12"), "-passout", "pass:segreta")
	return dir
}

func TestParseFileEveryFormat(t *testing.T) {
	dir := makeCert(t, 20)
	var serial string
	for _, f := range []struct{ name, pass string }{{"c.pem", ""}, {"c.cer", ""}, {"c.p12", "segreta"}} {
		b, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := ParseFile(f.name, b, f.pass)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if len(cs) != 1 || cs[0].Subject.CommonName != "XXXXX-PC-0001" {
			t.Fatalf("%s: %v", f.name, cs)
		}
		r := FromX509(cs[0], f.name, time.Now())
		if serial == "" {
			serial = r.Serial
		}
		if r.Serial != serial || r.Name != "XXXXX-PC-0001" || r.Source != SourceFile {
			t.Errorf("%s: record %+v", f.name, r)
		}
		if s := State(r, time.Now(), false); s != Expiring {
			t.Errorf("%s: 20 days left gives %q", f.name, s)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "c.p12"))
	if _, err := ParseFile("c.p12", b, "sbagliata"); !errors.Is(err, ErrPassword) {
		t.Errorf("wrong password: %v", err)
	}
	// OpenSSL 3's default: PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC.
	b, _ = os.ReadFile(filepath.Join(dir, "aes.p12"))
	cs, err := ParseFile("aes.p12", b, "segreta")
	if err != nil || len(cs) != 1 || hex.EncodeToString(cs[0].SerialNumber.Bytes()) != serial {
		t.Errorf("OpenSSL 3 default .p12: %v %v", cs, err)
	}
	if _, err := ParseFile("aes.p12", b, "sbagliata"); !errors.Is(err, ErrPassword) {
		t.Errorf("OpenSSL 3 default .p12, wrong password: %v", err)
	}
}

func TestStates(t *testing.T) {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	r := Record{NotAfter: "2027-06-01T00:00:00Z"}
	cases := []struct {
		r       Record
		pending bool
		want    string
	}{
		{r, false, Active},
		{Record{NotAfter: "2027-01-20T00:00:00Z"}, false, Expiring},
		{Record{NotAfter: "2026-12-31T00:00:00Z"}, false, Expired},
		{Record{NotAfter: "2027-06-01T00:00:00Z", Revoked: true}, false, Revoked},
		{Record{NotAfter: "2026-12-31T00:00:00Z"}, true, Pending},
		{Record{NotAfter: "garbage"}, false, Expired},
	}
	for _, c := range cases {
		if got := State(c.r, now, c.pending); got != c.want {
			t.Errorf("%+v pending=%v: %s, want %s", c.r, c.pending, got, c.want)
		}
	}
}

func TestMergeReplacesTheCardsReadAndKeepsTheRest(t *testing.T) {
	card := func(id, serial string) protocol.Reader {
		return protocol.Reader{Name: "r", Card: &protocol.Card{ID: id, Holder: &protocol.Holder{Surname: "ROSSI", Name: "MARIO"},
			Certificates: []protocol.Certificate{{Role: "cns", Subject: "CN=RSSMRA", Issuer: "CN=CA", Serial: serial, NotAfter: "2027-01-01T00:00:00Z"}}}}
	}
	cache := Merge(nil, FromCards([]protocol.Reader{card("A", "01"), card("B", "02")}))
	cache = Add(cache, Record{Card: "pc.cer", Serial: "99", Issuer: "CN=X", NotAfter: "2027-01-01T00:00:00Z", Source: SourceFile})
	cache = Merge(cache, FromCards([]protocol.Reader{card("A", "03")})) // A renewed; B not inserted
	var keys []string
	for _, r := range Sorted(cache) {
		keys = append(keys, Key(r))
	}
	if got := strings.Join(keys, " "); got != "CN=CA|02 CN=CA|03 CN=X|99" {
		t.Fatalf("cache %s", got)
	}
	if cache["CN=CA|03"].Holder != "ROSSI MARIO" {
		t.Errorf("holder %q", cache["CN=CA|03"].Holder)
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add("a.pem", []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "")
	f.Add("a.cer", []byte{0x30, 0x82, 0x01, 0x00}, "")
	f.Add("a.p12", []byte{0x30, 0x80, 0x02, 0x01, 0x03}, "x")
	f.Fuzz(func(t *testing.T, name string, data []byte, pass string) {
		cs, err := ParseFile(name, data, pass)
		if err == nil && len(cs) == 0 {
			t.Fatal("no error and no certificate")
		}
	})
}

// A card read again keeps the status check of the same certificate; a renewed certificate starts afresh.
func TestMergeKeepsStatus(t *testing.T) {
	st := &Status{State: StatusRevoked, Checked: "2026-03-02T10:00:00Z", RevokedAt: "2026-03-01T00:00:00Z", Reason: 1}
	old := Record{Card: "c1", NotAfter: "2027-01-01T00:00:00Z", Serial: "01", Issuer: "CN=CA", Source: SourceCard, DER: []byte{1}, Status: st, Revoked: true}
	cache := map[string]Record{Key(old): old}
	again := old
	again.Status, again.Revoked = nil, false
	got := Merge(cache, []Record{again})[Key(old)]
	if got.Status != st || !got.Revoked {
		t.Fatalf("status lost on a new read: %+v", got)
	}
	other := again
	other.DER = []byte{2} // same issuer and serial, different bytes: not the same certificate
	if got := Merge(cache, []Record{other})[Key(old)]; got.Status != nil || got.Revoked {
		t.Fatalf("status carried to different bytes: %+v", got)
	}
}
