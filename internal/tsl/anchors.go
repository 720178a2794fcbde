package tsl

import (
	"bytes"
	"crypto/x509"
	"slices"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
)

// Anchors implements cms.TrustAnchors: for PurposeSignature the certificates of CA/QC services, for
// PurposeTimeStamp those of TSA/QTST services, whose status at time at (current or from ServiceHistory,
// §5.6) is granted or its pre-eIDAS equivalent. Zero at means now.
func (l *List) Anchors(purpose cms.Purpose, at time.Time) ([]*x509.Certificate, error) {
	if at.IsZero() {
		at = time.Now()
	}
	want := TypeCAQC
	if purpose == cms.PurposeTimeStamp {
		want = TypeTSAQTS
	}
	var out []*x509.Certificate
	for _, p := range l.Providers {
		for i := range p.Services {
			s := &p.Services[i]
			if st, ok := s.At(at); ok && st.Type == want && st.Positive() {
				out = append(out, s.Certificates...)
			}
		}
	}
	return out, nil
}

// Match is a certificate found on the list as a service's digital identity.
type Match struct {
	Provider string
	Service  string
	Status   Status // the service's state at the time asked (type, status, qualifiers)
	Known    bool   // false: the time asked precedes every state of the service
}

// Qualified reports whether the match is a CA/QC service with a granted status at the time asked.
func (m *Match) Qualified() bool {
	return m != nil && m.Known && m.Status.Type == TypeCAQC && m.Status.Positive()
}

// ForESignatures reports whether the service declares it issues qualified certificates for electronic
// signatures (§5.5.9.4 AdditionalServiceInformation ForeSignatures; none declared counts as yes, as in
// lists before eIDAS).
func (m *Match) ForESignatures() bool {
	if m == nil {
		return false
	}
	var declared bool
	for _, u := range m.Status.AddInfo {
		switch u {
		case ForESignatures:
			return true
		case ForESeals, ForWebSites:
			declared = true
		}
	}
	return !declared
}

// Find looks for cert among the services' digital identities and returns the service's state at time at.
// A service identity matches a certificate with the same subject and public key (§5.5.3: the identity
// is the key, so a re-issued CA certificate is the same service). Several matches: the qualified one
// first. nil when cert is not on the list.
func (l *List) Find(cert *x509.Certificate, at time.Time) *Match {
	if l == nil || cert == nil {
		return nil
	}
	if at.IsZero() {
		at = time.Now()
	}
	var found []*Match
	for _, p := range l.Providers {
		for i := range p.Services {
			s := &p.Services[i]
			if !slices.ContainsFunc(s.Certificates, func(c *x509.Certificate) bool { return sameKey(c, cert) }) {
				continue
			}
			st, ok := s.At(at)
			found = append(found, &Match{Provider: p.Name, Service: s.Name, Status: st, Known: ok})
		}
	}
	for _, m := range found {
		if m.Qualified() {
			return m
		}
	}
	if len(found) > 0 {
		return found[0]
	}
	return nil
}

func sameKey(a, b *x509.Certificate) bool {
	return bytes.Equal(a.RawSubject, b.RawSubject) && bytes.Equal(a.RawSubjectPublicKeyInfo, b.RawSubjectPublicKeyInfo)
}
