package p11

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/host/p11/ck"

	"github.com/ponte-it/ponte/internal/protocol"
)

func TestMatchSlots(t *testing.T) {
	const (
		r1 = "Bit4id miniLector EVO [CCID] 00 00"
		r2 = "Alcor Micro AU9540 01 00"
	)
	cases := []struct {
		name    string
		readers []ReaderRef
		slots   []SlotRef
		want    []Match
	}{
		{"serial beats names",
			[]ReaderRef{{Name: r1, CardID: "8038000000000001"}, {Name: r2, CardID: "8038000000000002"}},
			[]SlotRef{{Module: "m", ID: 7, Description: r1, Serial: "8038000000000002"}, {Module: "m", ID: 9, Description: r2, Serial: "8038000000000001"}},
			[]Match{{Reader: r2, Module: "m", SlotID: 7, By: "serial"}, {Reader: r1, Module: "m", SlotID: 9, By: "serial"}}},
		{"names, description cut at 64 and padded",
			[]ReaderRef{{Name: r1}, {Name: r2}},
			[]SlotRef{{Module: "a", ID: 1, Description: r2 + "   "}, {Module: "b", ID: 0, Description: "Bit4id miniLector EVO [CCID]"}},
			[]Match{{Reader: r2, Module: "a", SlotID: 1, By: "name"}, {Reader: r1, Module: "b", SlotID: 0, By: "name"}}},
		{"only one of each left",
			[]ReaderRef{{Name: r1}},
			[]SlotRef{{Module: "softhsm", ID: 12345, Description: "SoftHSM slot ID 0x3039"}},
			[]Match{{Reader: r1, Module: "softhsm", SlotID: 12345, By: "only"}}},
		{"ambiguous names match nothing",
			[]ReaderRef{{Name: "ACS ACR38U 00 00"}, {Name: "ACS ACR38U 01 00"}},
			[]SlotRef{{ID: 1, Description: "ACS ACR38U"}, {ID: 2, Description: "ACS ACR38U"}},
			nil},
		{"short names are not prefixes",
			[]ReaderRef{{Name: "ACS"}, {Name: "Other reader"}},
			[]SlotRef{{ID: 1, Description: "ACS ACR38U 00 00"}, {ID: 2, Description: "Something else"}},
			nil},
		{"case and blanks",
			[]ReaderRef{{Name: "gemalto usb smartcard reader 0"}},
			[]SlotRef{{ID: 3, Description: "Gemalto USB SmartCard Reader 0 "}, {ID: 4, Description: "Virtual slot"}},
			[]Match{{Reader: "gemalto usb smartcard reader 0", SlotID: 3, By: "name"}}},
		{"empty card id never matches an empty serial",
			[]ReaderRef{{Name: "Reader A"}, {Name: "Reader B"}},
			[]SlotRef{{ID: 1, Serial: ""}, {ID: 2, Serial: ""}},
			nil},
		{"serial then only",
			[]ReaderRef{{Name: "Reader A", CardID: "X1"}, {Name: "Reader B"}},
			[]SlotRef{{ID: 1, Serial: "x1"}, {ID: 2, Description: "opaque"}},
			[]Match{{Reader: "Reader A", SlotID: 1, By: "serial"}, {Reader: "Reader B", SlotID: 2, By: "only"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := MatchSlots(c.readers, c.slots); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestClassifyCertificate(t *testing.T) {
	cases := []struct {
		name string
		c    x509.Certificate
		want Role
	}{
		{"CNS policy", x509.Certificate{PolicyIdentifiers: []asn1.ObjectIdentifier{{1, 3, 76, 16, 2, 1}}, KeyUsage: x509.KeyUsageDigitalSignature}, RoleAuthentication},
		{"nonRepudiation", x509.Certificate{KeyUsage: x509.KeyUsageContentCommitment}, RoleSignature},
		{"policy wins", x509.Certificate{PolicyIdentifiers: []asn1.ObjectIdentifier{{1, 3, 76, 16, 2, 1}}, KeyUsage: x509.KeyUsageContentCommitment}, RoleAuthentication},
		{"other policy, digitalSignature", x509.Certificate{PolicyIdentifiers: []asn1.ObjectIdentifier{{1, 3, 76, 16, 2}}, KeyUsage: x509.KeyUsageDigitalSignature}, RoleOther},
		{"CA", x509.Certificate{IsCA: true, KeyUsage: x509.KeyUsageContentCommitment | x509.KeyUsageCertSign}, RoleOther},
	}
	for _, c := range cases {
		if got := ClassifyCertificate(&c.c); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestDigestInfo checks our DigestInfo prefixes against crypto/rsa's: a raw PKCS#1 v1.5 signature over
// our DigestInfo must verify as a hashed signature.
func TestDigestInfo(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // test key
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		d := h.New()
		d.Write([]byte("ponte"))
		digest := d.Sum(nil)
		di, err := DigestInfo(h, digest)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := rsa.SignPKCS1v15(nil, key, 0, di)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, h, digest, sig); err != nil {
			t.Errorf("%v: %v", h, err)
		}
	}
	if _, err := DigestInfo(crypto.SHA256, make([]byte, 20)); err == nil {
		t.Error("wrong digest length accepted")
	}
	if _, err := DigestInfo(crypto.MD5, make([]byte, 16)); err == nil {
		t.Error("MD5 accepted")
	}
}

func TestLocator(t *testing.T) {
	exists := func(paths ...string) func(string) bool {
		return func(p string) bool {
			for _, q := range paths {
				if p == q {
					return true
				}
			}
			return false
		}
	}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvModule {
				return v
			}
			return ""
		}
	}
	cfg := filepath.Join(t.TempDir(), "host.json")
	if err := os.WriteFile(cfg, []byte(`{"pkcs11_modules": ["/opt/a.so", " "]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		l       Locator
		drivers []string
		want    []Candidate
	}{
		{"env, several, unix", Locator{Getenv: env("/x/a.so: /x/b.so"), ConfigFile: cfg, GOOS: "linux", Exists: exists()},
			[]string{"opensc"}, []Candidate{{Path: "/x/a.so", Source: "env"}, {Path: "/x/b.so", Source: "env"}}},
		{"env, windows separator", Locator{Getenv: env(`C:\a.dll;C:\b.dll`), GOOS: "windows", Exists: exists()},
			nil, []Candidate{{Path: `C:\a.dll`, Source: "env"}, {Path: `C:\b.dll`, Source: "env"}}},
		{"config file", Locator{Getenv: env(""), ConfigFile: cfg, GOOS: "linux", Exists: exists()},
			[]string{"opensc"}, []Candidate{{Path: "/opt/a.so", Source: "config"}}},
		{"driver table, multiarch, first installed of each driver", Locator{Getenv: env(""), GOOS: "linux", GOARCH: "arm64",
			Exists: exists("/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so", "/usr/lib/x64-athena/libASEP11.so", "/usr/lib/libASEP11.so")},
			[]string{"bit4id-xpki", "athena-idp", "opensc"},
			[]Candidate{{Path: "/usr/lib/x64-athena/libASEP11.so", Source: "driver", Driver: "athena-idp"},
				{Path: "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so", Source: "driver", Driver: "opensc"}}},
		{"macOS", Locator{Getenv: env(""), GOOS: "darwin", Exists: exists("/Library/Application Support/Athena/libASEP11.dylib")},
			[]string{"athena-idp"}, []Candidate{{Path: "/Library/Application Support/Athena/libASEP11.dylib", Source: "driver", Driver: "athena-idp"}}},
		{"windows System32", Locator{Getenv: env(""), GOOS: "windows", Exists: exists(`C:\Windows\System32\bit4xpki.dll`)},
			[]string{"bit4id-xpki"}, []Candidate{{Path: `C:\Windows\System32\bit4xpki.dll`, Source: "driver", Driver: "bit4id-xpki"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.l.Find(c.drivers...)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v %v\nwant %+v", got, err, c.want)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "host.json")
	if err := os.WriteFile(bad, []byte(`{"pkcs11_modules": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (Locator{Getenv: env(""), ConfigFile: bad, Exists: exists()}).Find(); err == nil {
		t.Fatal("malformed configuration accepted")
	}
}

// TestDriverTable checks the table is complete: every driver the card-family table can name has paths
// for the three systems and both hints.
func TestDriverTable(t *testing.T) {
	for _, name := range []string{"bit4id-xpki", "bit4id-opki", "athena-idp", "safedive", "opensc", "softhsm"} {
		d, ok := DriverByName(name)
		if !ok {
			t.Fatalf("driver %s missing", name)
		}
		if len(d.Linux) == 0 || len(d.Darwin) == 0 || len(d.Windows) == 0 || d.HintIT == "" || d.HintEN == "" || d.Source == "" {
			t.Errorf("driver %s incomplete: %+v", name, d)
		}
		for _, p := range d.Candidates("linux", "amd64") {
			if strings.Contains(p, "$") {
				t.Errorf("%s: unexpanded %s", name, p)
			}
		}
	}
}

func TestPINStatusFromFlags(t *testing.T) {
	got := PINStatusFromFlags(ck.CKF_USER_PIN_COUNT_LOW | ck.CKF_USER_PIN_FINAL_TRY | ck.CKF_SO_PIN_LOCKED | ck.CKF_LOGIN_REQUIRED)
	want := PINStatus{CountLow: true, FinalTry: true, SOLocked: true}
	if got != want {
		t.Fatalf("got %+v", got)
	}
	if (PINStatusFromFlags(ck.CKF_USER_PIN_LOCKED | ck.CKF_SO_PIN_FINAL_TRY)) != (PINStatus{Locked: true, SOFinalTry: true}) {
		t.Fatal("locked / SO final try")
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		rv   uint
		who  who
		code protocol.Code
	}{
		{ck.CKR_PIN_INCORRECT, whoUser, protocol.ErrPINIncorrect},
		{ck.CKR_PIN_INCORRECT, whoSO, protocol.ErrPUKIncorrect},
		{ck.CKR_PIN_LOCKED, whoUser, protocol.ErrPINLocked},
		{ck.CKR_PIN_LOCKED, whoSO, protocol.ErrPUKLocked},
		{ck.CKR_PIN_LEN_RANGE, whoUser, protocol.ErrPINInvalid},
		{ck.CKR_FUNCTION_CANCELED, whoUser, protocol.ErrPINCancelled},
		{ck.CKR_USER_NOT_LOGGED_IN, whoNone, protocol.ErrNotLoggedIn},
		{ck.CKR_DEVICE_REMOVED, whoNone, protocol.ErrCardRemoved},
		{ck.CKR_TOKEN_NOT_PRESENT, whoNone, protocol.ErrCardRemoved},
		{ck.CKR_SESSION_HANDLE_INVALID, whoNone, protocol.ErrCardRemoved},
		{ck.CKR_CRYPTOKI_NOT_INITIALIZED, whoNone, protocol.ErrModuleFailed},
		{ck.CKR_DEVICE_MEMORY, whoNone, protocol.ErrTokenFull},
		{ck.CKR_OBJECT_HANDLE_INVALID, whoNone, protocol.ErrNoSuchObject},
		{ck.CKR_MECHANISM_INVALID, whoNone, protocol.ErrUnsupported},
		{ck.CKR_USER_PIN_NOT_INITIALIZED, whoUser, protocol.ErrUnsupported},
		{ck.CKR_DATA_LEN_RANGE, whoNone, protocol.ErrInternal},
	}
	for _, c := range cases {
		err := wrap("op", ck.Error(c.rv), c.who)
		if got := ProtocolCode(err); got != c.code {
			t.Errorf("%s (who %d): %s, want %s", rvName(c.rv), c.who, got, c.code)
		}
		var e *Error
		if !errors.As(err, &e) || e.RV != c.rv || e.Retriable() != c.code.Retriable() {
			t.Errorf("%s: %#v", rvName(c.rv), err)
		}
	}
	if ProtocolCode(errors.New("other")) != protocol.ErrInternal {
		t.Error("foreign error")
	}
}

func TestMemory(t *testing.T) {
	if m := memory(^uint(0)); m.Known || m.String() != "unknown" {
		t.Errorf("CK_UNAVAILABLE_INFORMATION: %+v", m)
	}
	if m := memory(32768); !m.Known || m.Bytes != 32768 || m.String() != "32768" {
		t.Errorf("32768: %+v", m)
	}
}

// FuzzPublicFromAttrs feeds arbitrary attribute values, as a broken or hostile module could return.
func FuzzPublicFromAttrs(f *testing.F) {
	f.Add(uint8(0), []byte{0xc0, 0xff, 0xee}, []byte{1, 0, 1}, []byte{}, []byte{})
	f.Add(uint8(3), []byte{}, []byte{}, []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, []byte{0x04, 0x01, 0x04})
	f.Fuzz(func(t *testing.T, kt uint8, n, e, params, point []byte) {
		a := map[uint][]byte{ck.CKA_KEY_TYPE: {kt, 0, 0, 0, 0, 0, 0, 0}, ck.CKA_MODULUS: n,
			ck.CKA_PUBLIC_EXPONENT: e, ck.CKA_EC_PARAMS: params, ck.CKA_EC_POINT: point}
		_ = publicFromAttrs(a)
	})
}

// FuzzECDSADER: any r||s the module returns converts or fails cleanly.
func FuzzECDSADER(f *testing.F) {
	f.Add(make([]byte, 64))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, raw []byte) {
		der, err := ecdsaDER(raw)
		if err != nil {
			return
		}
		var v struct{ R, S asn1.RawValue }
		if _, err := asn1.Unmarshal(der, &v); err != nil {
			t.Fatalf("invalid DER for %x: %v", raw, err)
		}
	})
}
