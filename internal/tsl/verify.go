package tsl

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// VerifyOptions say whom a list must be signed by and for which territory.
type VerifyOptions struct {
	// Signers are the pinned certificates of the scheme operator (§5.7.1; for Italy, AgID's as the EU
	// list of trusted lists publishes them: AgIDSigners). The list's signing certificate must be one of
	// them, byte for byte, and valid at Now.
	Signers []*x509.Certificate
	// Territory is the expected SchemeTerritory (§5.3.10), e.g. "IT"; empty accepts any.
	Territory string
	// Now is the time of the check (zero: time.Now()).
	Now time.Time
}

// Accepted signature and digest algorithms (XMLDSig 1.1 §6.4 and RFC 6931 URIs): SHA-2 only.
var (
	okSignatureMethods = map[string]bool{
		"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256":   true,
		"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384":   true,
		"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512":   true,
		"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": true,
		"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": true,
		"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": true,
	}
	okDigestMethods = map[string]bool{
		"http://www.w3.org/2001/04/xmlenc#sha256":       true,
		"http://www.w3.org/2001/04/xmldsig-more#sha384": true,
		"http://www.w3.org/2001/04/xmlenc#sha512":       true,
	}
)

// Verify checks the list's enveloped XML signature (§5.7: XAdES-BES enveloped signature over the whole
// TrustServiceStatusList, Reference URI "" or "#Id", exclusive or inclusive C14N) against the pinned
// signers, then parses only the bytes the signature covers. An expired list (NextUpdate passed) is
// returned without error: the caller decides (List.Expired); Ponte uses it and says "elenco scaduto".
//
// XAdES signed properties (the second Reference) are not checked: nothing in them is used.
func Verify(data []byte, opts VerifyOptions) (*List, error) {
	if len(data) > MaxSize {
		return nil, malformed("larger than %d bytes", MaxSize)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, malformed("XML: %v", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "TrustServiceStatusList" || root.NamespaceURI() != Namespace {
		return nil, malformed("the root element is not {%s}TrustServiceStatusList", Namespace)
	}
	sig := child(root, dsig.Namespace, "Signature")
	if sig == nil {
		return nil, badSignature(errors.New("no ds:Signature child of the list"))
	}
	if err := checkAlgorithms(sig); err != nil {
		return nil, badSignature(err)
	}
	signer, err := pinnedSigner(sig, opts.Signers)
	if err != nil {
		return nil, err
	}
	if now.Before(signer.NotBefore) || now.After(signer.NotAfter) {
		return nil, unknownSigner(fmt.Errorf("the signer certificate %q is valid %s–%s", signer.Subject.CommonName,
			signer.NotBefore.Format(time.DateOnly), signer.NotAfter.Format(time.DateOnly)))
	}
	if err := ecdsaValueToDER(sig, signer); err != nil {
		return nil, badSignature(err)
	}
	// goxmldsig looks for the Signature depth first within a budget of 1000 elements (a guard meant for
	// SAML messages); a list has tens of thousands before its Signature, the last child. Moving the
	// Signature to the front changes nothing signed: the enveloped-signature transform removes it, and
	// the text around it stays where it was.
	root.RemoveChild(sig)
	root.InsertChildAt(0, sig)
	ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{signer}})
	ctx.IdAttribute = "Id"
	ctx.Clock = dsig.NewFakeClockAt(now)
	signed, err := ctx.Validate(root)
	if err != nil {
		return nil, badSignature(err)
	}
	out := etree.NewDocument()
	out.SetRoot(signed)
	covered, err := out.WriteToBytes()
	if err != nil {
		return nil, badSignature(err)
	}
	l, err := Parse(covered)
	if err != nil {
		return nil, err
	}
	if opts.Territory != "" && !strings.EqualFold(l.Territory, opts.Territory) {
		return nil, wrongTerritory(l.Territory, opts.Territory)
	}
	l.Signer = signer
	return l, nil
}

// child is el's first child element {space}tag.
func child(el *etree.Element, space, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == space {
			return c
		}
	}
	return nil
}

func checkAlgorithms(sig *etree.Element) error {
	si := child(sig, dsig.Namespace, "SignedInfo")
	if si == nil {
		return errors.New("no SignedInfo")
	}
	sm := child(si, dsig.Namespace, "SignatureMethod")
	if sm == nil || !okSignatureMethods[sm.SelectAttrValue("Algorithm", "")] {
		return errors.New("signature method not RSA or ECDSA with SHA-2")
	}
	for _, ref := range si.ChildElements() {
		if ref.Tag != "Reference" {
			continue
		}
		dm := child(ref, dsig.Namespace, "DigestMethod")
		if dm == nil || !okDigestMethods[dm.SelectAttrValue("Algorithm", "")] {
			return errors.New("digest method not SHA-2")
		}
	}
	return nil
}

// pinnedSigner is the certificate in KeyInfo (§5.7.1: the signer's certificate is in the signature),
// which must be one of the pinned ones.
func pinnedSigner(sig *etree.Element, pinned []*x509.Certificate) (*x509.Certificate, error) {
	if len(pinned) == 0 {
		return nil, unknownSigner(errors.New("no pinned signer certificate configured"))
	}
	var cert *x509.Certificate
	if ki := child(sig, dsig.Namespace, "KeyInfo"); ki != nil {
		if xd := child(ki, dsig.Namespace, "X509Data"); xd != nil {
			if xc := child(xd, dsig.Namespace, "X509Certificate"); xc != nil {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Text()), ""))
				if err != nil {
					return nil, badSignature(fmt.Errorf("KeyInfo certificate: %v", err))
				}
				if cert, err = x509.ParseCertificate(der); err != nil {
					return nil, badSignature(fmt.Errorf("KeyInfo certificate: %v", err))
				}
			}
		}
	}
	if cert == nil {
		return nil, badSignature(errors.New("no X509Certificate in KeyInfo"))
	}
	for _, p := range pinned {
		if p.Equal(cert) {
			return p, nil
		}
	}
	return nil, unknownSigner(fmt.Errorf("signed by %q (serial %s), not a pinned certificate", cert.Subject.String(), cert.SerialNumber))
}

// ecdsaValueToDER rewrites an ECDSA SignatureValue from XMLDSig's r‖s form (RFC 4050 §3.3, RFC 6931
// §2.3.6) into the ASN.1 form Go's verifier takes. SignatureValue is outside SignedInfo, so this changes
// nothing that is signed.
func ecdsaValueToDER(sig *etree.Element, signer *x509.Certificate) error {
	if signer.PublicKeyAlgorithm != x509.ECDSA {
		return nil
	}
	sv := child(sig, dsig.Namespace, "SignatureValue")
	if sv == nil {
		return errors.New("no SignatureValue")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(sv.Text()), ""))
	if err != nil || len(raw) == 0 || len(raw)%2 != 0 || len(raw) > 264 {
		return errors.New("ECDSA SignatureValue is not r‖s")
	}
	n := len(raw) / 2
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:n]), new(big.Int).SetBytes(raw[n:])})
	if err != nil {
		return err
	}
	sv.SetText(base64.StdEncoding.EncodeToString(der))
	return nil
}
