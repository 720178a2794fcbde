package sigverify

import (
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/testkit/signtest"
	"github.com/ponte-it/ponte/internal/testkit/tsltest"
	"github.com/ponte-it/ponte/internal/tsl"
)

// TestAnchorSources: the report says which source's anchor validated the chain — the AgID list (its
// CA/QC service is the signer's issuing CA), a CA profile, or test anchors — and whether the issuing
// CA is qualified on the list; a CA not on the list is "not qualified" even when the chain is trusted.
func TestAnchorSources(t *testing.T) {
	pki := signtest.NewPKI(t)
	other := signtest.NewPKI(t)
	content := docio.Bytes("delibera")
	parts, err := cms.SignFile(context.Background(), content, pki.Signer.Key, cms.FileOptions{SignerOptions: cms.SignerOptions{Chain: pki.Signer.Chain}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p7m := docio.Bytes(assemble(t, content, parts))
	list := func(ca *x509.Certificate) *tsl.Loaded {
		s, err := tsltest.NewSigner("TSL", true)
		if err != nil {
			t.Fatal(err)
		}
		xml := tsltest.List{Territory: "IT", Sequence: 1, Issued: time.Now().Add(-time.Hour), NextUpdate: time.Now().AddDate(0, 6, 0),
			Providers: []tsltest.Provider{{Name: "Ponte test S.p.A.", Services: []tsltest.Service{tsltest.Granted("Ponte Test Qualified CA", time.Now().AddDate(-1, 0, 0), ca)}}}}.XML()
		signed, err := s.Sign(xml)
		if err != nil {
			t.Fatal(err)
		}
		l, err := tsl.Verify(signed, tsl.VerifyOptions{Signers: []*x509.Certificate{s.Cert}, Territory: "IT"})
		if err != nil {
			t.Fatal(err)
		}
		return &tsl.Loaded{List: l}
	}
	root := []*x509.Certificate{pki.Root.Cert()}
	for _, tc := range []struct {
		name      string
		anchors   *Anchors
		valid     bool
		source    AnchorSource
		checked   bool
		qualified bool
	}{
		{"list and test anchors", &Anchors{Sets: []AnchorSet{{SourceTest, root}}, List: list(pki.Intermediate.Cert())}, true, SourceTSL, true, true},
		{"list only", &Anchors{List: list(pki.Intermediate.Cert())}, true, SourceTSL, true, true},
		{"profile, CA not on the list", &Anchors{Sets: []AnchorSet{{SourceProfile, root}}, List: list(other.Intermediate.Cert())}, true, SourceProfile, true, false},
		{"test anchors, no list", &Anchors{Sets: []AnchorSet{{SourceTest, root}}}, true, SourceTest, false, false},
		{"nothing trusts it", &Anchors{List: list(other.Intermediate.Cert())}, false, SourceNone, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := File(p7m, nil, cms.VerifyOptions{Anchors: tc.anchors})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signers[0]
			if s.Valid() != tc.valid || s.AnchorSource != tc.source || s.Qualification.Checked != tc.checked || s.Qualification.Qualified() != tc.qualified {
				t.Fatalf("valid %v, source %q, checked %v, qualified %v (%s)", s.Valid(), s.AnchorSource, s.Qualification.Checked, s.Qualification.Qualified(), s.ChainDetail)
			}
			if tc.qualified && s.Qualification.Match.Provider != "Ponte test S.p.A." {
				t.Fatalf("match %+v", s.Qualification.Match)
			}
			if rep.TrustedList != tc.anchors.List {
				t.Fatal("report does not carry the list")
			}
		})
	}
}
