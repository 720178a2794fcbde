package pdf

import (
	"fmt"
	"time"
	"unicode/utf16"
)

// TextString encodes a text string (§7.9.2.2): PDFDocEncoding-compatible ASCII as is, anything else
// as UTF-16BE with a byte order mark.
func TextString(s string) String {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return String{Bytes: []byte(s)}
	}
	b := []byte{0xfe, 0xff}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return String{Bytes: b, Hex: true}
}

// DecodeText decodes a text string (UTF-16BE with BOM, else taken as PDFDocEncoding ≈ Latin-1).
func DecodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// Date formats a date (§7.9.4): D:YYYYMMDDHHmmSS+HH'mm'.
func Date(t time.Time) String {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	s := fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
	if off == 0 {
		s = "D:" + t.Format("20060102150405") + "Z"
	}
	return String{Bytes: []byte(s)}
}

// ParseDate parses a date string (§7.9.4): D:YYYY[MM[DD[HH[mm[SS]]]]][Z|+HH'mm'|-HH'mm'].
func ParseDate(b []byte) (time.Time, error) {
	s := string(b)
	if len(s) >= 2 && s[:2] == "D:" {
		s = s[2:]
	}
	bad := fmt.Errorf("pdf: date %q not understood", b)
	num := func(n int) (int, bool) {
		if len(s) < n {
			return 0, false
		}
		v := 0
		for _, c := range s[:n] {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		s = s[n:]
		return v, true
	}
	f := []int{0, 1, 1, 0, 0, 0}
	var ok bool
	if f[0], ok = num(4); !ok {
		return time.Time{}, bad
	}
	for i := 1; i < 6; i++ {
		v, ok := num(2)
		if !ok {
			break
		}
		f[i] = v
	}
	loc := time.UTC
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		sign := 1
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
		hh, _ := num(2)
		if len(s) > 0 && s[0] == '\'' {
			s = s[1:]
		}
		mm, _ := num(2)
		loc = time.FixedZone("", sign*(hh*3600+mm*60))
	}
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], 0, loc), nil
}
