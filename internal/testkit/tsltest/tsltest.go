// Package tsltest makes trusted lists for tests: an ETSI TS 119 612 v2 list from a Go description, signed
// with a test key as an enveloped XML signature (XMLDSig §6.6.4 enveloped-signature transform; the
// signer's certificate in KeyInfo, as §5.7.1 asks), and a test signer key with its certificate.
package tsltest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/ponte-it/ponte/internal/testkit/pki"
	"github.com/ponte-it/ponte/internal/tsl"
)

// List describes a trusted list.
type List struct {
	Territory  string
	Sequence   int
	Issued     time.Time
	NextUpdate time.Time // zero: a closed list (no dateTime)
	Providers  []Provider
}

// Provider is a trust service provider and its services.
type Provider struct {
	Name     string
	Services []Service
}

// Service is one trust service; History lists its earlier states (newest first, §5.6).
type Service struct {
	State
	Certs   []*x509.Certificate
	History []State
}

// State is a service's type, name, status and when it started, with its extensions.
type State struct {
	Type, Name, Status string
	Start              time.Time
	AddInfo            []string // AdditionalServiceInformation URIs
	Qualifiers         []string // Qualifications/…/Qualifier URIs
}

// Granted is a current CA/QC service for e-signatures, granted since start, with certs.
func Granted(name string, start time.Time, certs ...*x509.Certificate) Service {
	return Service{State: State{Type: tsl.TypeCAQC, Name: name, Status: tsl.StatusGranted, Start: start,
		AddInfo: []string{tsl.ForESignatures}}, Certs: certs}
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

func esc(s string) string { return xmlEscaper.Replace(s) }

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// XML is the unsigned list (root Id "tsl"), laid out like AgID's with line breaks and indentation.
func (l List) XML() []byte {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w(`<TrustServiceStatusList xmlns="%s" xmlns:ns5="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#" Id="tsl" TSLTag="http://uri.etsi.org/19612/TSLTag">`+"\n", tsl.Namespace)
	w("  <SchemeInformation>\n    <TSLVersionIdentifier>5</TSLVersionIdentifier>\n    <TSLSequenceNumber>%d</TSLSequenceNumber>\n", l.Sequence)
	w("    <TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType>\n")
	w("    <SchemeOperatorName><Name xml:lang=\"en\">Test operator</Name><Name xml:lang=\"it\">Operatore di prova</Name></SchemeOperatorName>\n")
	w("    <SchemeTerritory>%s</SchemeTerritory>\n    <ListIssueDateTime>%s</ListIssueDateTime>\n", esc(l.Territory), ts(l.Issued))
	if l.NextUpdate.IsZero() {
		w("    <NextUpdate/>\n")
	} else {
		w("    <NextUpdate><dateTime>%s</dateTime></NextUpdate>\n", ts(l.NextUpdate))
	}
	w("  </SchemeInformation>\n  <TrustServiceProviderList>\n")
	for _, p := range l.Providers {
		w("    <TrustServiceProvider>\n      <TSPInformation><TSPName><Name xml:lang=\"it\">%s</Name></TSPName></TSPInformation>\n      <TSPServices>\n", esc(p.Name))
		for _, s := range p.Services {
			w("        <TSPService>\n          <ServiceInformation>\n")
			state(&b, s.State, s.Certs, "            ")
			w("          </ServiceInformation>\n")
			if len(s.History) > 0 {
				w("          <ServiceHistory>\n")
				for _, h := range s.History {
					w("            <ServiceHistoryInstance>\n")
					state(&b, h, nil, "              ")
					w("            </ServiceHistoryInstance>\n")
				}
				w("          </ServiceHistory>\n")
			}
			w("        </TSPService>\n")
		}
		w("      </TSPServices>\n    </TrustServiceProvider>\n")
	}
	w("  </TrustServiceProviderList>\n</TrustServiceStatusList>\n")
	return []byte(b.String())
}

func state(b *strings.Builder, s State, certs []*x509.Certificate, in string) {
	fmt.Fprintf(b, "%s<ServiceTypeIdentifier>%s</ServiceTypeIdentifier>\n", in, esc(s.Type))
	fmt.Fprintf(b, "%s<ServiceName><Name xml:lang=\"en\">%s</Name></ServiceName>\n", in, esc(s.Name))
	fmt.Fprintf(b, "%s<ServiceDigitalIdentity>", in)
	for _, c := range certs {
		fmt.Fprintf(b, "<DigitalId><X509Certificate>%s</X509Certificate></DigitalId>", base64.StdEncoding.EncodeToString(c.Raw))
	}
	fmt.Fprintf(b, "</ServiceDigitalIdentity>\n")
	fmt.Fprintf(b, "%s<ServiceStatus>%s</ServiceStatus>\n%s<StatusStartingTime>%s</StatusStartingTime>\n", in, esc(s.Status), in, ts(s.Start))
	if len(s.AddInfo)+len(s.Qualifiers) > 0 {
		fmt.Fprintf(b, "%s<ServiceInformationExtensions>\n", in)
		for _, u := range s.AddInfo {
			fmt.Fprintf(b, "%s  <Extension Critical=\"false\"><AdditionalServiceInformation><URI xml:lang=\"en\">%s</URI></AdditionalServiceInformation></Extension>\n", in, esc(u))
		}
		if len(s.Qualifiers) > 0 {
			fmt.Fprintf(b, "%s  <Extension Critical=\"true\"><ns5:Qualifications><ns5:QualificationElement><ns5:Qualifiers>", in)
			for _, q := range s.Qualifiers {
				fmt.Fprintf(b, "<ns5:Qualifier uri=\"%s\"/>", esc(q))
			}
			fmt.Fprintf(b, "</ns5:Qualifiers></ns5:QualificationElement></ns5:Qualifications></Extension>\n")
		}
		fmt.Fprintf(b, "%s</ServiceInformationExtensions>\n", in)
	}
}

// C14N algorithms a list may be signed with.
const (
	ExclusiveC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
	InclusiveC14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
)

// Sign adds an enveloped signature to the list xml with key (RSA: rsa-sha256, ECDSA: ecdsa-sha256 with
// the r‖s value of RFC 4050), SHA-256 digest, c14n for SignedInfo and the reference, and cert in KeyInfo.
func Sign(xml []byte, key crypto.Signer, cert *x509.Certificate, c14n string) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(xml); err != nil {
		return nil, err
	}
	ctx, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		return nil, err
	}
	ctx.IdAttribute = "Id"
	switch c14n {
	case ExclusiveC14N, "":
		ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	case InclusiveC14N:
		ctx.Canonicalizer = dsig.MakeC14N10RecCanonicalizer()
	default:
		return nil, errors.New("tsltest: unknown c14n " + c14n)
	}
	ecdsaKey := false
	switch key.Public().(type) {
	case *ecdsa.PublicKey:
		ecdsaKey = true
		err = ctx.SetSignatureMethod(dsig.ECDSASHA256SignatureMethod)
	default:
		err = ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod)
	}
	if err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		return nil, err
	}
	if ecdsaKey {
		if err := derToRS(signed, key.Public().(*ecdsa.PublicKey)); err != nil {
			return nil, err
		}
	}
	out := etree.NewDocument()
	out.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	out.SetRoot(signed)
	return out.WriteToBytes()
}

// derToRS rewrites the ECDSA SignatureValue Go produced (ASN.1) into XMLDSig's r‖s (RFC 4050 §3.3).
func derToRS(root *etree.Element, pub *ecdsa.PublicKey) error {
	sv := root.FindElement(".//SignatureValue")
	if sv == nil {
		return errors.New("tsltest: no SignatureValue")
	}
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	if err != nil {
		return err
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return err
	}
	n := (pub.Curve.Params().BitSize + 7) / 8
	raw := make([]byte, 2*n)
	rs.R.FillBytes(raw[:n])
	rs.S.FillBytes(raw[n:])
	sv.SetText(base64.StdEncoding.EncodeToString(raw))
	return nil
}

// Signer is a test list-signing key with a self-signed certificate.
type Signer struct {
	Key  crypto.Signer
	Cert *x509.Certificate
}

// NewSigner makes an RSA-2048 (ecdsa false) or P-256 signer named cn, valid from a year ago for ten years.
func NewSigner(cn string, ec bool) (*Signer, error) {
	var key crypto.Signer
	var err error
	if ec {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return nil, err
	}
	now := time.Now()
	cert, err := pki.Certify(&x509.Certificate{Subject: pkix.Name{Country: []string{"IT"}, Organization: []string{"Ponte test"}, CommonName: cn},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(10, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}, key.Public(), nil, key)
	if err != nil {
		return nil, err
	}
	return &Signer{Key: key, Cert: cert}, nil
}

// Sign signs an unsigned list with exclusive C14N.
func (s *Signer) Sign(xml []byte) ([]byte, error) { return Sign(xml, s.Key, s.Cert, ExclusiveC14N) }

// CertPEM is the signer's certificate as PEM.
func (s *Signer) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Cert.Raw})
}

// KeyPEM is the signer's private key as PKCS #8 PEM (for xmlsec1).
func (s *Signer) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(s.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Template is the list with an empty enveloped signature for `xmlsec1 --sign` to fill, shaped like
// AgID's: SignedInfo with the enveloped reference (URI "") and a XAdES SignedProperties reference,
// exclusive C14N, SHA-256, method ("rsa-sha256" or "ecdsa-sha256"), an empty X509Data for the
// certificate, and the XAdES QualifyingProperties (ETSI EN 319 132-1) with a signing time.
func Template(unsigned []byte, method string, signingTime time.Time) []byte {
	sig := `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1"><ds:SignedInfo>` +
		`<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>` +
		`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#` + method + `"/>` +
		`<ds:Reference Id="ref-enveloped" URI=""><ds:Transforms>` +
		`<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>` +
		`<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>` +
		`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>` +
		`<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#xades-1"><ds:Transforms>` +
		`<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>` +
		`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>` +
		`</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>` +
		`<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig-1">` +
		`<xades:SignedProperties Id="xades-1"><xades:SignedSignatureProperties><xades:SigningTime>` + ts(signingTime) +
		`</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>`
	s := string(unsigned)
	i := strings.LastIndex(s, "</TrustServiceStatusList>")
	return []byte(s[:i] + sig + s[i:])
}
