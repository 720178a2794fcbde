package signjob

import (
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/sigverify"
)

// TestRevocationLines: each OCSP outcome has its line in both languages, and a revocation after a
// verified time stamp leaves the signature valid while one before it does not; an OCSP "unknown" makes the
// signature NON VERIFICABILE (RFC 6960 §2.2: the responder does not know the certificate), and so does
// an unavailable status (EN 319 102-1 §5.2.5 TRY_LATER).
func TestRevocationLines(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	signer := func(r revocation.Result, stamped time.Time) sigverify.Signer {
		return sigverify.Signer{Name: "ROSSI MARIO", Integrity: true, Chain: cms.ChainValid, Revocation: r,
			Time: stamped, TimeStamped: !stamped.IsZero()}
	}
	rep := &sigverify.Report{Format: sigverify.FormatP7M, Signers: []sigverify.Signer{
		signer(revocation.Result{}, time.Time{}),
		signer(revocation.Result{Status: revocation.Good, Responder: "http://ca/ocsp"}, time.Time{}),
		signer(revocation.Result{Status: revocation.Revoked, At: at, Reason: 1}, at.Add(-time.Hour)),
		signer(revocation.Result{Status: revocation.Revoked, At: at, Reason: 4}, at.Add(time.Hour)),
		signer(revocation.Result{Status: revocation.Unknown, Responder: "http://ca/ocsp"}, time.Time{}),
		signer(revocation.Result{Status: revocation.Unavailable, DetailIT: "servizio OCSP non raggiungibile", Detail: "responder not reachable: refused"}, time.Time{}),
	}}
	want := map[string][]string{
		"it": {"non controllata", "non revocato", "REVOCATO il 01/03/2026 11:00:00 CET, motivo: compromissione della chiave; la firma ha una marca temporale precedente",
			"motivo: sostituito; la firma non risulta anteriore alla revoca", "stato sconosciuto", "non verificabile: servizio OCSP non raggiungibile"},
		"en": {"not checked", "not revoked", "REVOKED on 01/03/2026 11:00:00 CET, reason: key compromise; the signature has a time stamp before",
			"reason: superseded; the signature is not proven", "status unknown", "could not be checked: responder not reachable: refused"},
	}
	valid := []bool{true, true, true, false, false, false}
	for lang, lines := range want {
		views := View(rep, lang)
		for i, v := range views {
			var got string
			for _, l := range v.Lines {
				if l.Label == word("revocation", lang) {
					got = l.Value
				}
			}
			if !strings.Contains(got, lines[i]) || v.Valid != valid[i] {
				t.Errorf("%s #%d: %q valid %v, want %q valid %v", lang, i, got, v.Valid, lines[i], valid[i])
			}
		}
	}
}
