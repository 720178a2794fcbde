package pageapi

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/protocol"
	"github.com/ponte-it/ponte/internal/testkit/testenv"
)

type originCases struct {
	Normalize []struct{ In, Origin, Key string }
	Secure    []struct {
		Origin string
		Secure bool
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestNormalizeOrigin(t *testing.T) {
	var c originCases
	readJSON(t, filepath.Join("testdata", "origins.json"), &c)
	for _, tc := range c.Normalize {
		got, err := NormalizeOrigin(tc.In)
		if tc.Key != "" {
			var oe *OriginError
			if !errors.As(err, &oe) || oe.Key != tc.Key {
				t.Errorf("NormalizeOrigin(%q) = %q, %v; want error %s", tc.In, got, err, tc.Key)
			}
			continue
		}
		if err != nil || got != tc.Origin {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", tc.In, got, err, tc.Origin)
		}
		// A normalised origin is its own normal form.
		if again, err := NormalizeOrigin(got); err != nil || again != got {
			t.Errorf("NormalizeOrigin(%q) = %q, %v: not idempotent", got, again, err)
		}
	}
	for _, tc := range c.Secure {
		if got := SecureOrigin(tc.Origin); got != tc.Secure {
			t.Errorf("SecureOrigin(%q) = %v, want %v", tc.Origin, got, tc.Secure)
		}
	}
}

func FuzzNormalizeOrigin(f *testing.F) {
	for _, s := range []string{"https://firma.example.it", "http://[::1]:8080/x", "firma.example.it:443", "http://127.0.0.1", "https://a..b", "https://[::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizeOrigin(in)
		if err != nil {
			var oe *OriginError
			if !errors.As(err, &oe) || oe.Key == "" {
				t.Fatalf("%q: error without a message key: %v", in, err)
			}
			return
		}
		if !SecureOrigin(got) {
			t.Fatalf("%q normalised to an insecure origin %q", in, got)
		}
		if again, err := NormalizeOrigin(got); err != nil || again != got {
			t.Fatalf("%q -> %q -> %q, %v", in, got, again, err)
		}
	})
}

func TestSignRequestDigest(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, tc := range []struct {
		r    SignRequest
		hash crypto.Hash
		bad  string
	}{
		{SignRequest{Role: "signature", Alg: "SHA-256", Hash: b64(32)}, crypto.SHA256, ""},
		{SignRequest{Role: "signature", Alg: "SHA-384", Hash: b64(48)}, crypto.SHA384, ""},
		{SignRequest{Role: "cns", Alg: "SHA-256", Hash: b64(32)}, 0, "authentication (cns) key"},
		{SignRequest{Role: "signature", Alg: "SHA-512", Hash: b64(64)}, crypto.SHA512, ""},
		{SignRequest{Role: "signature", Alg: "SHA-256", Hash: b64(48)}, 0, "48 bytes"},
		{SignRequest{Role: "signature", Alg: "SHA-1", Hash: b64(20)}, 0, "SHA-1"},
		{SignRequest{Role: "other", Alg: "SHA-256", Hash: b64(32)}, 0, "role"},
		{SignRequest{Role: "signature", Alg: "SHA-256", Hash: "not base64!"}, 0, "base64"},
	} {
		d, h, err := tc.r.Digest()
		if tc.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("%+v: err %v, want one naming %q", tc.r, err, tc.bad)
			}
			continue
		}
		if err != nil || h != tc.hash || len(d) != h.Size() {
			t.Errorf("%+v: %d bytes, %v, %v", tc.r, len(d), h, err)
		}
	}
}

func FuzzSignRequestDigest(f *testing.F) {
	f.Add("signature", "SHA-256", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("cns", "SHA-512", "AAAA")
	f.Fuzz(func(t *testing.T, role, alg, hash string) {
		d, h, err := SignRequest{Role: role, Alg: alg, Hash: hash}.Digest()
		if err == nil && (len(d) != h.Size() || role != "signature") {
			t.Fatalf("accepted %q %q with %d bytes", role, alg, len(d))
		}
	})
}

type codeRow struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Retriable bool   `json:"retriable"`
	When      string `json:"when"`
}

func codeTable(t *testing.T) []codeRow {
	t.Helper()
	var tab struct{ Codes []codeRow }
	readJSON(t, filepath.Join(testenv.Root(), "extension", "pageapi-codes.json"), &tab)
	if len(tab.Codes) == 0 {
		t.Fatal("no codes in extension/pageapi-codes.json")
	}
	return tab.Codes
}

// The table is the one definition: each code once, its message in both languages, documented with the
// same words in docs/page-api.md, and every code the consent page answers with is in it.
func TestCodeTable(t *testing.T) {
	rows := codeTable(t)
	locales := map[string]map[string]struct{ Message string }{}
	for _, lang := range []string{"it", "en"} {
		m := map[string]struct{ Message string }{}
		readJSON(t, filepath.Join(testenv.Root(), "extension", "_locales", lang, "messages.json"), &m)
		locales[lang] = m
	}
	docs, err := os.ReadFile(filepath.Join(testenv.Root(), "docs", "page-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if seen[r.Code] || r.Code != strings.ToUpper(r.Code) || r.When == "" {
			t.Errorf("row %+v: duplicate, not upper case, or undocumented", r)
		}
		seen[r.Code] = true
		if k := Code(r.Code).MessageKey(); k != r.Message {
			t.Errorf("%s: message column %s, MessageKey %s", r.Code, r.Message, k)
		}
		for lang, m := range locales {
			if strings.TrimSpace(m[r.Message].Message) == "" {
				t.Errorf("%s: message %s missing in %s", r.Code, r.Message, lang)
			}
		}
		row := fmt.Sprintf("| `%s` | %s | %s |", r.Code, map[bool]string{true: "yes", false: "no"}[r.Retriable], r.When)
		if !strings.Contains(string(docs), row) {
			t.Errorf("docs/page-api.md lacks the row\n%s", row)
		}
	}
	for _, c := range []Code{AuthKeyNotForSigning, BadRequest, HostMissing, NoCard, NoCertificate, UserCancelled, WrongPIN, PINLocked, Timeout, Internal} {
		if !seen[string(c)] {
			t.Errorf("the consent page's code %s is not in the table", c)
		}
	}
}

func TestFromError(t *testing.T) {
	for in, want := range map[error]Code{
		protocol.Errorf(protocol.ErrPINIncorrect, "x"):                      WrongPIN,
		protocol.Errorf(protocol.ErrPINLocked, "x"):                         PINLocked,
		protocol.Errorf(protocol.ErrCardRemoved, "x"):                       NoCard,
		protocol.Errorf(protocol.ErrNotLoggedIn, "x"):                       NoCard,
		fmt.Errorf("wrapped: %w", protocol.Errorf(protocol.ErrNoCard, "x")): NoCard,
		errors.New("something"):                                             Internal,
	} {
		if got := FromError(in); got != want {
			t.Errorf("FromError(%v) = %s, want %s", in, got, want)
		}
	}
}

// The shared request cases (testdata/requests.json, also run against the worker's checkRequest by
// test/js/pageapi.test.mjs): the consent page's check agrees with the worker's on every one it sees.
func TestRequestCases(t *testing.T) {
	var doc struct {
		Cases []struct {
			Request map[string]any
			OK      string
			Code    string
			Worker  bool
		}
	}
	readJSON(t, filepath.Join("testdata", "requests.json"), &doc)
	if len(doc.Cases) < 20 {
		t.Fatalf("%d cases", len(doc.Cases))
	}
	for _, c := range doc.Cases {
		typ, _ := c.Request["type"].(string)
		if c.Worker || typ == "status" || (typ != "sign" && typ != "authenticate" && typ != "certificate") {
			continue // the worker alone answers these
		}
		str := func(k, def string) string {
			if v, ok := c.Request[k].(string); ok {
				return v
			}
			if _, there := c.Request[k]; there {
				return "\x00not a string"
			}
			return def
		}
		r := SignRequest{Type: typ, Origin: "https://firma.example.it", Role: str("role", "signature"), Alg: str("alg", ""), Hash: str("hash", ""), Nonce: str("nonce", "")}
		if typ == TypeAuthenticate {
			r.Role = "cns"
		}
		err := r.Check()
		if (err == nil) != (c.OK != "") {
			t.Errorf("%v: Check() = %v, want ok %q / code %s", c.Request, err, c.OK, c.Code)
		}
		if c.Code == string(AuthKeyNotForSigning) && FromError(err) != AuthKeyNotForSigning {
			t.Errorf("%v: code %s, want %s", c.Request, FromError(err), c.Code)
		}
	}
}

func FuzzSignRequestCheck(f *testing.F) {
	f.Add("authenticate", "cns", "", "", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	f.Add("sign", "signature", "SHA-256", base64.StdEncoding.EncodeToString(make([]byte, 32)), "")
	f.Fuzz(func(t *testing.T, typ, role, alg, hash, nonce string) {
		r := SignRequest{Type: typ, Origin: "https://firma.example.it", Role: role, Alg: alg, Hash: hash, Nonce: nonce}
		if r.Check() != nil {
			return
		}
		switch typ {
		case TypeSign:
			if role != "signature" {
				t.Fatalf("sign accepted with role %q", role)
			}
		case TypeAuthenticate:
			b, err := base64.StdEncoding.DecodeString(nonce)
			if role != "cns" || err != nil || len(b) < 32 || len(b) > 128 || base64.StdEncoding.EncodeToString(b) != nonce {
				t.Fatalf("authenticate accepted with %q %q", role, nonce)
			}
		}
	})
}
