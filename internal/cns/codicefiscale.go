package cns

import "strings"

// Codice fiscale of a person: 16 characters, the last a check letter (DM 23/12/1976, art. 7 and annex);
// digits may be replaced by the letters LMNPQRSTUV (omocodia). A provisional code is 11 digits with a
// Luhn-style check digit (DPR 605/1973, as for partita IVA).

// oddValues are the values of characters in odd positions (1st, 3rd, ...), indexed by digit or letter.
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

const omocodia = "LMNPQRSTUV"

// CheckCodiceFiscale returns nil when the code is well formed and its check character is right.
func CheckCodiceFiscale(cf string) error {
	cf = strings.ToUpper(strings.TrimSpace(cf))
	switch len(cf) {
	case 11:
		return checkProvisional(cf)
	case 16:
	default:
		return newError(ErrDatiPersonaliMalformed, "codice fiscale %q: length %d, 16 characters expected", cf, len(cf))
	}
	sum := 0
	for i := 0; i < 15; i++ {
		c := cf[i]
		digitPos := i >= 6 && i != 8 && i != 11 // positions 7-8, 10-11, 13-15 hold digits
		var v int
		switch {
		case '0' <= c && c <= '9' && digitPos:
			v = int(c - '0')
		case 'A' <= c && c <= 'Z' && (!digitPos || strings.IndexByte(omocodia, c) >= 0):
			v = int(c - 'A')
		default:
			return newError(ErrDatiPersonaliMalformed, "codice fiscale %q: invalid character %q at position %d", cf, c, i+1)
		}
		if i%2 == 0 {
			sum += oddValues[v]
		} else {
			sum += v
		}
	}
	if want := byte('A' + sum%26); cf[15] != want {
		return newError(ErrDatiPersonaliMalformed, "codice fiscale %q: check character %q, expected %q", cf, cf[15], want)
	}
	return nil
}

func checkProvisional(cf string) error {
	sum := 0
	for i := 0; i < 11; i++ {
		c := cf[i]
		if c < '0' || c > '9' {
			return newError(ErrDatiPersonaliMalformed, "provisional codice fiscale %q: digits only", cf)
		}
		d := int(c - '0')
		if i == 10 {
			break
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	if want := byte('0' + (10-sum%10)%10); cf[10] != want {
		return newError(ErrDatiPersonaliMalformed, "provisional codice fiscale %q: check digit %q, expected %q", cf, cf[10], want)
	}
	return nil
}
