// Package crlreason names the RFC 5280 §5.3.1 CRLReason codes for the screens: apart from package
// revocation (OCSP over net/http), so the card list's module names a revocation without linking a client.
package crlreason

// reasons are the RFC 5280 §5.3.1 CRLReason codes, in Italian and English.
var reasons = map[int][2]string{
	0:  {"non specificato", "unspecified"},
	1:  {"compromissione della chiave", "key compromise"},
	2:  {"compromissione della CA", "CA compromise"},
	3:  {"cambio di affiliazione", "affiliation changed"},
	4:  {"sostituito", "superseded"},
	5:  {"cessazione dell'attività", "cessation of operation"},
	6:  {"sospeso", "certificate hold"},
	8:  {"rimosso dalla lista", "remove from CRL"},
	9:  {"privilegio ritirato", "privilege withdrawn"},
	10: {"compromissione dell'autorità di attributo", "AA compromise"},
}

// ReasonText names a CRLReason in lang ("it" or "en").
func ReasonText(code int, lang string) string {
	r, ok := reasons[code]
	if !ok {
		r = [2]string{"codice sconosciuto", "unknown code"}
	}
	if lang == "en" {
		return r[1]
	}
	return r[0]
}
