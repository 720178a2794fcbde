package sigverify

import (
	"bytes"
	"crypto/x509"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/revocation"
	"github.com/ponte-it/ponte/internal/tsl"
)

// AnchorSource is where the trust anchor that validated a chain came from.
type AnchorSource string

const (
	SourceNone    AnchorSource = ""        // no chain to an anchor
	SourceTest    AnchorSource = "test"    // anchors given by hand (ponte verify --anchors): test anchors
	SourceProfile AnchorSource = "profile" // the root of a CA profile shipped with Ponte
	SourceTSL     AnchorSource = "tsl"     // a CA/QC service granted on the AgID trusted list
)

// AnchorSet is a group of anchors from one source.
type AnchorSet struct {
	Source AnchorSource
	Certs  []*x509.Certificate
}

// Anchors is every trust-anchor source of a verification: fixed sets (test anchors, CA profiles) and
// the AgID trusted list. It implements cms.TrustAnchors; File then says, for each signer, which source
// validated the chain and whether the issuing CA is qualified on the list.
type Anchors struct {
	Sets []AnchorSet
	// List is the loaded AgID list (nil: not used, or could not be loaded — ListErr says why).
	List    *tsl.Loaded
	ListErr error
}

// Anchors implements cms.TrustAnchors: the fixed sets, plus the list's services for purpose at time at.
func (a *Anchors) Anchors(purpose cms.Purpose, at time.Time) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, s := range a.Sets {
		out = append(out, s.Certs...)
	}
	if a.List != nil {
		l, err := a.List.List.Anchors(purpose, at)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	return out, nil
}

// Qualification is what the AgID list says about a signer's issuing CA.
type Qualification struct {
	Checked bool       // the list was available
	Match   *tsl.Match // the CA's service on the list; nil when it is not there
	// Cert is what the signer's certificate says of itself (QCStatements, EN 319 412-5).
	Cert QCStatements
}

// Qualified: the issuing CA is a CA/QC service granted at the verification time.
func (q Qualification) Qualified() bool { return q.Match.Qualified() }

// attribute fills AnchorSource and Qualification of every signer when opts.Anchors is *Anchors.
func attribute(rep *Report, opts cms.VerifyOptions) {
	a, ok := opts.Anchors.(*Anchors)
	if !ok || a == nil {
		return
	}
	for i := range rep.Signers {
		s := &rep.Signers[i]
		cert := s.certificate()
		if cert == nil {
			continue
		}
		at := opts.At
		if s.TimeStamped {
			at = s.Time
		}
		if at.IsZero() {
			at = time.Now()
		}
		pool := append(append([]*x509.Certificate(nil), s.certs...), opts.Extra...)
		var chain []*x509.Certificate
		if s.Chain == cms.ChainValid {
			chain = a.chain(cert, pool, at)
			if len(chain) > 0 {
				s.AnchorSource = a.sourceOf(chain[len(chain)-1], at)
			}
		}
		if a.List == nil {
			continue
		}
		s.Qualification.Checked, s.Qualification.Cert = true, ReadQCStatements(cert)
		if len(chain) == 0 { // no valid chain: still say whether the issuer is on the list
			listed, _ := a.List.List.Anchors(cms.PurposeSignature, at)
			if iss := revocation.IssuerOf(cert, append(pool, listed...)); iss != nil {
				chain = []*x509.Certificate{cert, iss}
			}
		}
		for _, c := range chain[min(1, len(chain)):] {
			if m := a.List.List.Find(c, at); m != nil {
				s.Qualification.Match = m
				if m.Qualified() {
					break
				}
			}
		}
	}
}

// chain is the first verified path from cert to any anchor at time at (RFC 5280 §6.1), leaf first.
func (a *Anchors) chain(cert *x509.Certificate, pool []*x509.Certificate, at time.Time) []*x509.Certificate {
	roots, err := a.Anchors(cms.PurposeSignature, at)
	if err != nil {
		return nil
	}
	rp, ip := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range roots {
		rp.AddCert(c)
	}
	for _, c := range pool {
		ip.AddCert(c)
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: rp, Intermediates: ip, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || len(chains) == 0 {
		return nil
	}
	// Prefer a path that ends on the list (the qualified one), then any.
	for _, ch := range chains {
		if a.sourceOf(ch[len(ch)-1], at) == SourceTSL {
			return ch
		}
	}
	return chains[0]
}

// sourceOf says which source holds anchor: the list first, then the sets in order.
func (a *Anchors) sourceOf(anchor *x509.Certificate, at time.Time) AnchorSource {
	if a.List != nil {
		if m := a.List.List.Find(anchor, at); m.Qualified() {
			return SourceTSL
		}
	}
	for _, s := range a.Sets {
		for _, c := range s.Certs {
			if bytes.Equal(c.Raw, anchor.Raw) {
				return s.Source
			}
		}
	}
	return SourceNone
}

func (s *Signer) certificate() *x509.Certificate {
	if s.PDF != nil {
		return s.PDF.Certificate
	}
	if s.CMS != nil {
		return s.CMS.Certificate
	}
	return nil
}
