package sigverify

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"testing"
	"time"

	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/tsl"
)

// qcCert is a self-signed certificate whose QCStatements carry compliance and the QcType types given.
func qcCert(t *testing.T, compliance, sscd bool, types ...asn1.ObjectIdentifier) *x509.Certificate {
	t.Helper()
	var sts []qcStatement
	if compliance {
		sts = append(sts, qcStatement{ID: oidQcCompliance})
	}
	if sscd {
		sts = append(sts, qcStatement{ID: oidQcSSCD})
	}
	if len(types) > 0 {
		b, err := asn1.Marshal(types)
		if err != nil {
			t.Fatal(err)
		}
		sts = append(sts, qcStatement{ID: oidQcType, Info: asn1.RawValue{FullBytes: b}})
	}
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "QC"}, NotAfter: time.Now().Add(time.Hour)}
	if len(sts) > 0 {
		v, err := asn1.Marshal(sts)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: oidQCStatements, Value: v}}
	}
	return pki.SelfSigned(t, tmpl).Cert()
}

// TestQualificationKind: over {QcCompliance or not} × {no QcType, esign, eseal} × {CA/QC granted for
// e-signatures, granted for e-seals only, withdrawn, not on the list}, "firma qualificata" only when both
// the certificate and the list say so; an eseal certificate is named a seal.
func TestQualificationKind(t *testing.T) {
	granted := func(addInfo ...string) *tsl.Match {
		return &tsl.Match{Known: true, Status: tsl.Status{Type: tsl.TypeCAQC, Status: tsl.StatusGranted, AddInfo: addInfo}}
	}
	lists := map[string]*tsl.Match{
		"granted-esig":  granted(tsl.ForESignatures),
		"granted-eseal": granted(tsl.ForESeals),
		"withdrawn":     {Known: true, Status: tsl.Status{Type: tsl.TypeCAQC, Status: tsl.StatusWithdrawn}},
		"absent":        nil,
	}
	types := map[string][]asn1.ObjectIdentifier{"none": nil, "esign": {oidQcTypeESign}, "eseal": {oidQcTypeESeal}}
	for _, comp := range []bool{true, false} {
		for tn, ty := range types {
			for ln, m := range lists {
				cert := qcCert(t, comp, true, ty...)
				q := Qualification{Checked: true, Match: m, Cert: ReadQCStatements(cert)}
				want := KindNotQualified
				listQ := ln == "granted-esig" || ln == "granted-eseal"
				switch {
				case comp && tn != "eseal" && ln == "granted-esig":
					want = KindQualifiedSignature
				case comp && tn == "eseal" && listQ:
					want = KindQualifiedSeal
				case tn == "eseal":
					want = KindSeal
				}
				name := fmt.Sprintf("compliance=%v/qctype=%s/list=%s", comp, tn, ln)
				if got := q.Kind(); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
				if !q.Cert.SSCD {
					t.Errorf("%s: QcSSCD not read", name)
				}
			}
		}
	}
	if k := (Qualification{}).Kind(); k != KindUnknown {
		t.Errorf("list not used: %q", k)
	}
	if q := ReadQCStatements(qcCert(t, false, false)); q != (QCStatements{}) {
		t.Errorf("no extension: %+v", q)
	}
}
