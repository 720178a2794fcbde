package cns

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func sampleHolder() Holder {
	return Holder{IssuerCode: "80380", IssueDate: "01022021", ExpiryDate: "01022027", Surname: "ROSSI",
		Name: "MARIO", BirthDate: "10121985", Sex: "M", CodiceFiscale: "RSSMRA85T10A562S",
		BirthMunicipality: "A562", ResidenceMunicipality: "H501", ResidenceAddress: "VIA DEL CORSO 1"}
}

// A file built by hand as the format describes, independent of the encoder.
func TestParseDatiPersonaliByHand(t *testing.T) {
	body := "05" + "80380" + "08" + "01022021" + "08" + "01022027" + "05" + "ROSSI" + "05" + "MARIO" +
		"08" + "10121985" + "01" + "M" + "00" + "10" + "RSSMRA85T10A562S"
	file := []byte(fmt.Sprintf("%06X", len(body)) + body + "\x00\x00\x00")
	h, err := ParseDatiPersonali(file)
	if err != nil {
		t.Fatal(err)
	}
	if h.Surname != "ROSSI" || h.Name != "MARIO" || h.CodiceFiscale != "RSSMRA85T10A562S" || h.BirthDate != "10121985" ||
		h.ExpiryDate != "01022027" || h.Sex != "M" || h.Height != "" || h.ResidenceAddress != "" || h.CFWarning != "" {
		t.Fatalf("%+v", h)
	}
	if h.FullName() != "MARIO ROSSI" {
		t.Fatal(h.FullName())
	}
	if d, ok := Date(h.ExpiryDate); !ok || d.Year() != 2027 || d.Month() != 2 || d.Day() != 1 {
		t.Fatal(d, ok)
	}
}

func itoaHex(n int) string {
	const digits = "0123456789ABCDEF"
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 16 {
		s = string(digits[n%16]) + s
	}
	return s
}

func TestDatiPersonaliRoundTrip(t *testing.T) {
	h := sampleHolder()
	h.BirthCountry = "ITALIA"
	h.ExpatNotes = "àèìòù" // Latin-1 characters survive
	b, err := EncodeDatiPersonali(h)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseDatiPersonali(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, h) {
		t.Fatalf("got %+v\nwant %+v", got, h)
	}
	if _, err := EncodeDatiPersonali(Holder{Surname: "日本"}); !errors.Is(err, &Error{Kind: ErrNotEncodable}) {
		t.Fatal(err)
	}
	if _, err := EncodeDatiPersonali(Holder{Surname: strings.Repeat("A", 256)}); !errors.Is(err, &Error{Kind: ErrNotEncodable}) {
		t.Fatal(err)
	}
}

func TestDatiPersonaliErrors(t *testing.T) {
	good, _ := EncodeDatiPersonali(sampleHolder())
	cases := map[string]struct {
		in   []byte
		kind ErrorKind
	}{
		"empty":              {nil, ErrDatiPersonaliTruncated},
		"short":              {[]byte("0001"), ErrDatiPersonaliTruncated},
		"length not hex":     {[]byte("00G0100"), ErrDatiPersonaliMalformed},
		"declares too much":  {good[:len(good)-1], ErrDatiPersonaliTruncated},
		"field not hex":      {[]byte("000004ZZAB"), ErrDatiPersonaliMalformed},
		"field overruns":     {[]byte("0000040AAB"), ErrDatiPersonaliTruncated},
		"half length":        {[]byte("0000030AAB0"), ErrDatiPersonaliTruncated},
		"too few fields":     {[]byte("000006" + "01A01B"), ErrDatiPersonaliTruncated},
		"extra after fields": {append([]byte("0000"+itoaHex(len(good)-6+1)), append(good[6:], 'X')...), ErrDatiPersonaliMalformed},
	}
	for name, c := range cases {
		_, err := ParseDatiPersonali(c.in)
		if !errors.Is(err, &Error{Kind: c.kind}) {
			t.Errorf("%s: %v, want kind %d", name, err, c.kind)
			continue
		}
		var e *Error
		errors.As(err, &e)
		if e.Detail == "" || strings.Contains(err.Error(), "%!") {
			t.Errorf("%s: message %q", name, err)
		}
	}
}

func TestCodiceFiscale(t *testing.T) {
	for _, ok := range []string{"RSSMRA85T10A562S", "rssmra85t10a562s", "12345678903", "RSSMRA85T10A56NH"} {
		if err := CheckCodiceFiscale(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"RSSMRA85T10A562T", "RSSMRA85T10A562", "12345678904", "RSSMRA8ST10A562S", "RSSMRA85T10A56!S"} {
		if err := CheckCodiceFiscale(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	// A wrong check letter on the card is a warning, not a failure.
	h := sampleHolder()
	h.CodiceFiscale = "RSSMRA85T10A562T"
	b, _ := EncodeDatiPersonali(h)
	got, err := ParseDatiPersonali(b)
	if err != nil || got.CFWarning == "" || got.CodiceFiscale != h.CodiceFiscale {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestIDCarta(t *testing.T) {
	if id, err := ParseIDCarta([]byte("1234567890ABCDEF")); err != nil || id != "1234567890ABCDEF" {
		t.Fatal(id, err)
	}
	if id, err := ParseIDCarta([]byte("0012345678\x00\x00\x00\x00\x00\x00")); err != nil || id != "0012345678" {
		t.Fatal(id, err)
	}
	if id, err := ParseIDCarta([]byte{0x01, 0x02, 0xAB}); err != nil || id != "0102AB" {
		t.Fatal(id, err)
	}
	for _, bad := range [][]byte{nil, {0, 0}, make([]byte, 40)} {
		if _, err := ParseIDCarta(bad); !errors.Is(err, &Error{Kind: ErrIDCartaMalformed}) {
			t.Errorf("%x: %v", bad, err)
		}
	}
	if b, err := EncodeIDCarta("0123456789012345"); err != nil || string(b) != "0123456789012345" {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "A ", "\x01", strings.Repeat("1", 33)} {
		if _, err := EncodeIDCarta(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseDatiPersonali(f *testing.F) {
	good, _ := EncodeDatiPersonali(sampleHolder())
	f.Add(good)
	f.Add([]byte("000006" + "01A01B"))
	f.Add([]byte("0000040AAB"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseDatiPersonali(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Detail == "" {
				t.Fatalf("error without detail: %v", err)
			}
			return
		}
		for _, p := range h.fields() {
			if !utf8.ValidString(*p) {
				t.Fatalf("invalid UTF-8 %q", *p)
			}
		}
		// What parses re-encodes to a file that parses to the same holder.
		e, err := EncodeDatiPersonali(h)
		if err != nil {
			t.Fatal(err)
		}
		h2, err := ParseDatiPersonali(e)
		if err != nil || !reflect.DeepEqual(h, h2) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, h, h2)
		}
	})
}

func FuzzParseIDCarta(f *testing.F) {
	f.Add([]byte("1234567890ABCDEF"))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := ParseIDCarta(b)
		if err == nil && (id == "" || !utf8.ValidString(id)) {
			t.Fatalf("%q", id)
		}
	})
}
