package signjob

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/sigverify"
	"github.com/ponte-it/ponte/internal/tsl"
)

// TestTrustLines: the anchor source and the qualification of each signer, and the report's line about
// the AgID list — current, cached and not refreshed, expired ("elenco scaduto"), or not available — in
// both languages.
func TestTrustLines(t *testing.T) {
	issued := time.Date(2026, 7, 27, 9, 33, 49, 0, time.UTC)
	list := &tsl.List{SequenceNumber: 223, Issued: issued, NextUpdate: issued.AddDate(0, 6, 0)}
	granted := &tsl.Match{Provider: "Prova S.p.A.", Service: "Prova CA", Known: true,
		Status: tsl.Status{Type: tsl.TypeCAQC, Status: tsl.StatusGranted}}
	withdrawn := &tsl.Match{Provider: "Prova S.p.A.", Service: "Vecchia CA", Known: true,
		Status: tsl.Status{Type: tsl.TypeCAQC, Status: tsl.StatusWithdrawn}}
	signer := func(src sigverify.AnchorSource, q sigverify.Qualification) sigverify.Signer {
		return sigverify.Signer{Name: "ROSSI MARIO", Integrity: true, Chain: cms.ChainValid, AnchorSource: src, Qualification: q}
	}
	signers := []sigverify.Signer{
		signer(sigverify.SourceTSL, sigverify.Qualification{Checked: true, Match: granted}),
		signer(sigverify.SourceProfile, sigverify.Qualification{Checked: true}),
		signer(sigverify.SourceTest, sigverify.Qualification{Checked: true, Match: withdrawn}),
	}
	fetched := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		rep   *sigverify.Report
		lang  string
		wants []string
	}{
		{"current", &sigverify.Report{Signers: signers, TrustedList: &tsl.Loaded{List: list, Fetched: fetched}}, "it", []string{
			"Elenco di fiducia: AgID n. 223 del 27/07/2026, scaricato il 24/11/2026 10:00\n",
			"Fonte di fiducia: qualificato (elenco AgID)", "Qualificazione: CA qualificata sull'elenco AgID: Prova CA (Prova S.p.A.)",
			"Fonte di fiducia: profilo CA di Ponte", "Qualificazione: non qualificato: l'autorità",
			"Fonte di fiducia: ancore di prova (--anchors)", "Qualificazione: non qualificato: Vecchia CA (Prova S.p.A.) è sull'elenco AgID ma non"}},
		{"cached, expired", &sigverify.Report{Signers: signers[:1], TrustedList: &tsl.Loaded{List: list, Fetched: fetched, FromCache: true,
			Stale: errors.New("dial tcp: no route"), Expired: true}}, "it", []string{
			"(copia in cache); non aggiornato ora: dial tcp: no route; ATTENZIONE: elenco scaduto (prossimo aggiornamento previsto il 27/01/2027)",
			"Prova CA (Prova S.p.A.) (elenco scaduto)"}},
		{"cached, expired, en", &sigverify.Report{Signers: signers[:1], TrustedList: &tsl.Loaded{List: list, Fetched: fetched, FromCache: true, Expired: true}}, "en", []string{
			"Trusted list: AgID no. 223 of 27/07/2026, downloaded on 24/11/2026 10:00 (cached copy); WARNING: list expired", "Trust anchor:  qualified (AgID list)"}},
		{"not available", &sigverify.Report{Signers: []sigverify.Signer{signer(sigverify.SourceProfile, sigverify.Qualification{})},
			TrustedListErr: errors.New("offline, and no cached copy")}, "en", []string{
			"Trusted list: not available: offline, and no cached copy", "Qualification: cannot be checked: AgID list not available"}},
	} {
		got := ReportText("x.pdf", tc.rep, tc.lang)
		for _, w := range tc.wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s: lacks %q:\n%s", tc.name, w, got)
			}
		}
	}
	// No list asked for: no list line, no qualification line.
	got := ReportText("x.pdf", &sigverify.Report{Signers: []sigverify.Signer{signer(sigverify.SourceTest, sigverify.Qualification{})}}, "it")
	if strings.Contains(got, "Elenco di fiducia") || strings.Contains(got, "Qualificazione") || !strings.Contains(got, "ancore di prova") {
		t.Errorf("without a list:\n%s", got)
	}
}
