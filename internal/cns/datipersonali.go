package cns

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Holder is the content of EF_DatiPersonali (3F00/1100/1102), readable without PIN. Dates are as the
// card writes them, DDMMYYYY; Date parses them.
type Holder struct {
	IssuerCode            string `json:"issuerCode"`
	IssueDate             string `json:"issueDate"`
	ExpiryDate            string `json:"expiryDate"`
	Surname               string `json:"surname"`
	Name                  string `json:"name"`
	BirthDate             string `json:"birthDate"`
	Sex                   string `json:"sex"`
	Height                string `json:"height,omitempty"`
	CodiceFiscale         string `json:"codiceFiscale"`
	Citizenship           string `json:"citizenship,omitempty"`
	BirthMunicipality     string `json:"birthMunicipality,omitempty"`
	BirthCountry          string `json:"birthCountry,omitempty"`
	BirthAct              string `json:"birthAct,omitempty"`
	ResidenceMunicipality string `json:"residenceMunicipality,omitempty"`
	ResidenceAddress      string `json:"residenceAddress,omitempty"`
	ExpatNotes            string `json:"expatNotes,omitempty"`

	// CFWarning is set when the codice fiscale's check character is wrong: shown, never fatal (the card
	// is what it is; omocodia and old cards exist).
	CFWarning string `json:"cfWarning,omitempty"`
}

// fields lists EF_DatiPersonali's fields in file order (OpenSC pkcs15-itacns.c, CNS functional spec).
func (h *Holder) fields() []*string {
	return []*string{&h.IssuerCode, &h.IssueDate, &h.ExpiryDate, &h.Surname, &h.Name, &h.BirthDate,
		&h.Sex, &h.Height, &h.CodiceFiscale, &h.Citizenship, &h.BirthMunicipality, &h.BirthCountry,
		&h.BirthAct, &h.ResidenceMunicipality, &h.ResidenceAddress, &h.ExpatNotes}
}

// fieldNames are the fields' names for error messages (CNS specification's order).
var fieldNames = []string{"issuer code", "issue date", "expiry date", "surname", "first name", "birth date", "sex",
	"height", "codice fiscale", "citizenship", "birth municipality", "birth country", "birth act",
	"residence municipality", "residence address", "expatriation notes"}

const (
	datiPersonaliLenDigits = 6
	// minFields: a file must hold at least issuer .. first name (what OpenSC needs for the label).
	minFields = 5
)

// FullName is "Name Surname", as OpenSC labels the token.
func (h Holder) FullName() string { return strings.TrimSpace(h.Name + " " + h.Surname) }

// Date parses a DDMMYYYY date field (ok false when empty or malformed).
func Date(s string) (time.Time, bool) {
	t, err := time.Parse("02012006", s)
	return t, err == nil
}

// ParseDatiPersonali parses EF_DatiPersonali: 6 ASCII hex digits with the length of what follows, then
// fields of 2 ASCII hex digits of length and that many characters. Bytes after the declared length
// (padding) are ignored. Fields missing at the end are empty; at least up to the first name must be
// present. Text is read as Latin-1, so any byte gives valid UTF-8.
func ParseDatiPersonali(b []byte) (Holder, error) {
	var h Holder
	if len(b) < datiPersonaliLenDigits {
		return h, newError(ErrDatiPersonaliTruncated, "EF_DatiPersonali truncated: %d bytes, at least 6 needed", len(b))
	}
	total, ok := hexNumber(b[:datiPersonaliLenDigits])
	if !ok {
		return h, newError(ErrDatiPersonaliMalformed, "EF_DatiPersonali malformed: total length %q is not hex", printable(b[:datiPersonaliLenDigits]))
	}
	if total > len(b)-datiPersonaliLenDigits {
		return h, newError(ErrDatiPersonaliTruncated, "EF_DatiPersonali truncated: declares %d bytes, holds %d", total, len(b)-datiPersonaliLenDigits)
	}
	body := b[datiPersonaliLenDigits : datiPersonaliLenDigits+total]
	fs := h.fields()
	i, f := 0, 0
	for ; f < len(fs) && i < len(body); f++ {
		if i+2 > len(body) {
			return h, newFieldError(ErrDatiPersonaliTruncated, f, "EF_DatiPersonali truncated in the length of field %s")
		}
		n, ok := hexNumber(body[i : i+2])
		if !ok {
			return h, newFieldError(ErrDatiPersonaliMalformed, f, "EF_DatiPersonali malformed: length of field %s %q is not hex", printable(body[i:i+2]))
		}
		i += 2
		if i+n > len(body) {
			return h, newFieldError(ErrDatiPersonaliTruncated, f, "EF_DatiPersonali truncated: field %s declares %d characters, %d left", n, len(body)-i)
		}
		*fs[f] = latin1(body[i : i+n])
		i += n
	}
	if i < len(body) {
		return h, newError(ErrDatiPersonaliMalformed, "EF_DatiPersonali malformed: %d bytes after the last field", len(body)-i)
	}
	if f < minFields {
		return h, newFieldError(ErrDatiPersonaliTruncated, f, "EF_DatiPersonali incomplete: field %s is missing")
	}
	if h.CodiceFiscale != "" {
		if err := CheckCodiceFiscale(h.CodiceFiscale); err != nil {
			h.CFWarning = err.Error()
		}
	}
	return h, nil
}

// EncodeDatiPersonali writes a Holder as EF_DatiPersonali (all 16 fields; CFWarning is not stored).
func EncodeDatiPersonali(h Holder) ([]byte, error) {
	var body []byte
	for f, p := range h.fields() {
		v, ok := toLatin1(*p)
		if !ok {
			return nil, newFieldError(ErrNotEncodable, f, "field %s has characters not representable in Latin-1")
		}
		if len(v) > 0xFF {
			return nil, newFieldError(ErrNotEncodable, f, "field %s is too long (%d > 255)", len(v))
		}
		body = append(body, fmt.Sprintf("%02X", len(v))...)
		body = append(body, v...)
	}
	if len(body) > 0xFFFFFF {
		return nil, newError(ErrNotEncodable, "EF_DatiPersonali too long")
	}
	return append([]byte(fmt.Sprintf("%06X", len(body))), body...), nil
}

func hexNumber(b []byte) (int, bool) {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(b), 16, 32)
	return int(n), err == nil
}

func latin1(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

func toLatin1(s string) ([]byte, bool) {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF || r == utf8.RuneError {
			return nil, false
		}
		out = append(out, byte(r))
	}
	return out, true
}

// printable shows bytes in an error message without control characters.
func printable(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7E {
			return '.'
		}
		return r
	}, string(b))
}

// newFieldError is newError whose first %s is the field's name.
func newFieldError(k ErrorKind, f int, format string, args ...any) *Error {
	return newError(k, format, append([]any{fieldNames[f]}, args...)...)
}
