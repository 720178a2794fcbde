package revocation

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
)

// RFC 6960 §4.1.1 / §4.2.1 structures, only as far as the CertID of each SingleResponse.
type ocspResponse struct {
	Status asn1.Enumerated
	Bytes  struct {
		Type     asn1.ObjectIdentifier
		Response []byte
	} `asn1:"explicit,tag:0,optional"`
}

type certID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

var hashOIDs = map[string]crypto.Hash{
	"1.3.14.3.2.26":          crypto.SHA1,
	"2.16.840.1.101.3.4.2.1": crypto.SHA256,
	"2.16.840.1.101.3.4.2.2": crypto.SHA384,
	"2.16.840.1.101.3.4.2.3": crypto.SHA512,
}

// checkCertID requires the SingleResponse about cert to name issuer in its CertID (RFC 6960 §4.1.1: the
// hashes of the issuer's name and public key). golang.org/x/crypto/ocsp matches the serial only: an
// answer signed by the right key but about a same-serial certificate of another issuer would pass.
func checkCertID(der []byte, cert, issuer *x509.Certificate) error {
	var resp ocspResponse
	if _, err := asn1.Unmarshal(der, &resp); err != nil {
		return err
	}
	// BasicOCSPResponse ::= SEQUENCE { tbsResponseData, ... }; ResponseData ::= SEQUENCE { [0] version
	// OPTIONAL, responderID, producedAt, responses SEQUENCE OF SingleResponse, ... }.
	basic, err := children(resp.Bytes.Response)
	if err != nil || len(basic) == 0 {
		return errors.New("malformed BasicOCSPResponse")
	}
	tbs, err := children(basic[0].FullBytes)
	if err != nil {
		return err
	}
	if len(tbs) > 0 && tbs[0].Class == asn1.ClassContextSpecific && tbs[0].Tag == 0 {
		tbs = tbs[1:]
	}
	if len(tbs) < 3 {
		return errors.New("malformed ResponseData")
	}
	singles, err := children(tbs[2].FullBytes)
	if err != nil {
		return err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return err
	}
	for _, s := range singles {
		var id certID
		if _, err := asn1.Unmarshal(s.Bytes, &id); err != nil {
			return err
		}
		if id.SerialNumber == nil || id.SerialNumber.Cmp(cert.SerialNumber) != 0 {
			continue
		}
		h, ok := hashOIDs[id.HashAlgorithm.Algorithm.String()]
		if !ok || !h.Available() {
			return errors.New("CertID hash algorithm not supported")
		}
		name, key := h.New(), h.New()
		name.Write(issuer.RawSubject)
		key.Write(spki.PublicKey.RightAlign())
		if !bytes.Equal(name.Sum(nil), id.IssuerNameHash) || !bytes.Equal(key.Sum(nil), id.IssuerKeyHash) {
			return errors.New("the CertID names another issuer")
		}
		return nil
	}
	return errors.New("no answer about this certificate")
}

// children is the elements of the SEQUENCE der.
func children(der []byte) ([]asn1.RawValue, error) {
	var seq asn1.RawValue
	if _, err := asn1.Unmarshal(der, &seq); err != nil {
		return nil, err
	}
	var out []asn1.RawValue
	for b := seq.Bytes; len(b) > 0; {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return nil, err
		}
		out, b = append(out, v), rest
	}
	return out, nil
}
