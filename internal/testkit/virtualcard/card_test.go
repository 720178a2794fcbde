package virtualcard

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/ponte-it/ponte/internal/cns"
)

func testImage(t testing.TB) *Image {
	t.Helper()
	h := cns.Holder{IssuerCode: "80380", IssueDate: "01022021", ExpiryDate: "01022027", Surname: "ROSSI",
		Name: "MARIO", BirthDate: "10121985", Sex: "M", CodiceFiscale: "RSSMRA85T10A562S"}
	auth := bytes.Repeat([]byte{0xA5}, 1300) // longer than 255: READ BINARY needs several chunks
	img, err := NewTSCNS("ST", h, "0123456789012345", auth, []byte("signature cert"))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func apdu(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tx(t *testing.T, c *Card, cmd string, wantSW string) []byte {
	t.Helper()
	r := c.Process(apdu(t, cmd))
	if len(r) < 2 {
		t.Fatalf("%s: response %X", cmd, r)
	}
	if got := strings.ToUpper(hex.EncodeToString(r[len(r)-2:])); got != wantSW {
		t.Fatalf("%s: SW %s, want %s (response %X)", cmd, got, wantSW, r)
	}
	return r[:len(r)-2]
}

func TestSelectAndRead(t *testing.T) {
	img := testImage(t)
	c, err := img.NewCard()
	if err != nil {
		t.Fatal(err)
	}
	// OpenSC's way: SELECT by path from the MF without 3F00, no response data; READ BINARY 16 bytes.
	tx(t, c, "00 A4 08 0C 04 1000 1003", "9000")
	if id := tx(t, c, "00 B0 0000 10", "9000"); string(id) != "0123456789012345" {
		t.Fatalf("EF_IDCarta %q", id)
	}
	// With FCI: the size must be there (tag 80) for OpenSC to read the whole file.
	fci := tx(t, c, "00 A4 08 00 04 1100 1102 00", "9000")
	if fci[0] != 0x6F || fci[2] != 0x80 || fci[3] != 0x02 {
		t.Fatalf("FCI %X", fci)
	}
	size := int(fci[4])<<8 | int(fci[5])
	got := tx(t, c, "00 B0 0000 00", "9000")
	if len(got) != size {
		t.Fatalf("EF_DatiPersonali %d bytes, FCI says %d", len(got), size)
	}
	if h, err := cns.ParseDatiPersonali(got); err != nil || h.Surname != "ROSSI" {
		t.Fatalf("%+v %v", h, err)
	}
	// A certificate of 1300 bytes in 255-byte chunks; the last short chunk ends with 6282.
	tx(t, c, "00 A4 08 0C 04 1100 1101", "9000")
	var cert []byte
	for off := 0; off < 1300; off += 255 {
		sw := "9000"
		if 1300-off < 255 {
			sw = "6282"
		}
		cert = append(cert, tx(t, c, hexf("00B0%04XFF", off), sw)...)
	}
	if len(cert) != 1300 {
		t.Fatalf("certificate %d bytes", len(cert))
	}
	tx(t, c, "00 B0 0515 01", "6B00") // beyond the end
	// Other select forms: MF by FID, DF then EF by FID, parent, path from current DF.
	tx(t, c, "00 A4 00 0C 02 3F00", "9000")
	tx(t, c, "00 A4 00 0C 02 1400", "9000")
	tx(t, c, "00 A4 02 0C 02 9010", "9000")
	if s := tx(t, c, "00 B0 0000 00", "9000"); string(s) != "signature cert" {
		t.Fatalf("%q", s)
	}
	tx(t, c, "00 A4 03 0C", "9000")
	tx(t, c, "00 A4 09 0C 04 1000 1003", "9000")
	tx(t, c, "00 A4 01 0C 02 1003", "6A82") // an EF is not a DF
	// Not found, unknown AID, wrong P2, bad Lc, class and instruction errors.
	tx(t, c, "00 A4 08 0C 04 2FFF 8228", "6A82")
	tx(t, c, "00 A4 04 00 07 A0000000030000 00", "6A82")
	tx(t, c, "00 A4 08 0C 03 100010", "6A87")
	tx(t, c, "00 A4 08 40 04 1000 1003", "6A86")
	tx(t, c, "FF CA 00 00 00", "6E00")
	tx(t, c, "00 84 00 00 08", "6D00")
	tx(t, c, "80 CA 9F 7F 00", "6D00")
	tx(t, c, "0C B0 00 00 10", "6882")
	tx(t, c, "00 A4 00 0C 02 3F00", "9000")
	tx(t, c, "00 B0 0000 10", "6986") // no current EF after selecting the MF
	tx(t, c, "00 20 00 10", "63C3")
	tx(t, c, "00 20 00 10 08 3132333435FFFFFF", "6985")
	tx(t, c, "00 C0 00 00 10", "6985")
	// T=0 style: SELECT with FCI and no Le, then GET RESPONSE.
	r := c.Process(apdu(t, "00 A4 08 00 04 1000 1003"))
	if len(r) != 2 || r[0] != 0x61 {
		t.Fatalf("%X", r)
	}
	fci = tx(t, c, hexf("00C00000%02X", r[1]), "9000")
	if fci[0] != 0x6F || fci[5] != 16 {
		t.Fatalf("%X", fci)
	}
	// Wrong short Le: 6Cxx with the exact length.
	if r := c.Process(apdu(t, "00 A4 08 00 04 1000 1003 05")); r[0] != 0x6C || int(r[1]) != len(fci) {
		t.Fatalf("%X", r)
	}
	// Garbage never panics.
	for _, g := range []string{"", "00", "00A4", "00A408", "00A4080C05", "00A4080C0001"} {
		if r := c.Process(apdu(t, g)); len(r) != 2 {
			t.Fatalf("%s: %X", g, r)
		}
	}
}

func hexf(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}

func TestNewTSCNSRejects(t *testing.T) {
	h := cns.Holder{Surname: "A", Name: "B"}
	if _, err := NewTSCNS("NOPE", h, "1", []byte{1}, nil); err == nil {
		t.Error("unknown family accepted")
	}
	if _, err := NewTSCNS("OT", h, "1", []byte{1}, nil); err == nil {
		t.Error("family without ATR accepted")
	}
	if _, err := NewTSCNS("ST", h, "1", nil, nil); err == nil {
		t.Error("missing certificate accepted")
	}
	if _, err := NewTSCNS("ST", cns.Holder{Surname: strings.Repeat("X", 250), Name: strings.Repeat("Y", 250)}, "1", []byte{1}, nil); err == nil {
		t.Error("oversized EF_DatiPersonali accepted")
	}
}

func FuzzProcess(f *testing.F) {
	img := testImage(f)
	for _, s := range []string{"00A4080C0410001003", "00B0000010", "00A40800041100110200", "00C0000010", "0020001000"} {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := img.NewCard()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ { // the same command three times: state changes must stay consistent
			if r := c.Process(b); len(r) < 2 {
				t.Fatalf("response %X", r)
			}
		}
	})
}

// VERIFY without a data field only reports the CNS PIN's counter (ISO/IEC 7816-4 §11.5.6): 63Cx, or
// 6983 once blocked, and never changes it; a wrong PIN spends a try, the right one restores them; the
// counter survives a reset (a new Card on the same image), as on a real card.
func TestVerifyReportsTriesWithoutSpendingThem(t *testing.T) {
	img := testImage(t)
	img.PIN = []byte("12345")
	c, err := img.NewCard()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		tx(t, c, "00 20 00 10", "63C3")
		tx(t, c, "00 20 00 90", "63C3") // bit 8: OpenSC's STIncard backtracking form
	}
	if img.PINAttempts() != 0 || img.PINTries() != 3 {
		t.Fatalf("empty VERIFY changed the card: attempts %d, tries %d", img.PINAttempts(), img.PINTries())
	}
	tx(t, c, "00 20 00 10 08 3939393939FFFFFF", "63C2")
	if c, err = img.NewCard(); err != nil { // reset
		t.Fatal(err)
	}
	tx(t, c, "00 20 00 10", "63C2")
	tx(t, c, "00 20 00 10 08 3132333435FFFFFF", "9000")
	tx(t, c, "00 20 00 10", "63C3")
	if img.PINAttempts() != 2 {
		t.Errorf("attempts %d, want the 2 that presented a PIN", img.PINAttempts())
	}
	img.SetPINTries(1)
	tx(t, c, "00 20 00 10", "63C1")
	tx(t, c, "00 20 00 10 08 3939393939FFFFFF", "63C0")
	tx(t, c, "00 20 00 10", "6983")
	tx(t, c, "00 20 00 10 08 3132333435FFFFFF", "6983") // blocked: even the right PIN is refused
	tx(t, c, "00 20 00 11", "63C3")                     // the PUK is the SoftHSM token's business
	tx(t, c, "00 20 00 12", "6A88")
	// What a strict firmware would count is counted, whatever the reference: a Le (case 2, what a T=0
	// card sees as P3 = 00 too), short or extended, and a PIN sent to the PUK or the signature PIN.
	before := img.PINAttempts()
	for _, a := range []string{"00 20 00 10 00", "00 20 00 90 00", "00 20 00 10 000000", "00 20 00 11 08 3132333435FFFFFF",
		"00 20 00 1A 08 3132333435FFFFFF", "00 20 00 12 01 31"} {
		c.Process(apdu(t, a))
	}
	if got := img.PINAttempts() - before; got != 6 {
		t.Errorf("%d of 6 PIN-bearing VERIFYs counted", got)
	}
}
