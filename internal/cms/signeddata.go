package cms

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"

	"github.com/ponte-it/ponte/internal/docio"
)

// Assembly is what goes into a SignedData besides the content: the certificates, the SignerInfos
// and the digest algorithms, all DER.
type Assembly struct {
	ContentType asn1.ObjectIdentifier
	DigestAlgs  []asn1.ObjectIdentifier
	Certs       [][]byte
	CRLs        [][]byte // RevocationInfoChoices kept from an existing envelope
	// SignerInfoV3: a kept SignerInfo is version 3 (subjectKeyIdentifier), so the SignedData is at least 3.
	SignerInfoV3 bool
	SignerInfos  [][]byte
}

// AddCerts adds certificates not already present.
func (a *Assembly) AddCerts(certs ...*x509.Certificate) {
	for _, c := range certs {
		dup := false
		for _, have := range a.Certs {
			if bytes.Equal(have, c.Raw) {
				dup = true
				break
			}
		}
		if !dup {
			a.Certs = append(a.Certs, c.Raw)
		}
	}
}

// AddDigestAlg adds a digest algorithm not already listed.
func (a *Assembly) AddDigestAlg(oid asn1.ObjectIdentifier) {
	for _, have := range a.DigestAlgs {
		if have.Equal(oid) {
			return
		}
	}
	a.DigestAlgs = append(a.DigestAlgs, oid)
}

// version is the SignedData version (RFC 5652 §5.1): 5 with "other" certificates or revocation
// information, 4 with v2 attribute certificates, 3 when eContentType is not id-data, else 1 (ours are v1
// SignerInfos; kept SignerInfos of version 3 bring 3 as well).
func (a *Assembly) version() int {
	for _, c := range a.Certs {
		if len(c) > 0 && c[0] == 0xa3 {
			return 5
		}
	}
	for _, c := range a.CRLs {
		if len(c) > 0 && c[0] != 0x30 {
			return 5
		}
	}
	for _, c := range a.Certs {
		if len(c) > 0 && c[0] == 0xa2 {
			return 4
		}
	}
	if a.SignerInfoV3 {
		return 3
	}
	if a.ContentType != nil && !a.ContentType.Equal(OIDData) {
		return 3
	}
	return 1
}

// head returns the fields before encapContentInfo; tail the fields after it.
func (a *Assembly) head() []byte {
	algs := make([][]byte, len(a.DigestAlgs))
	for i, o := range a.DigestAlgs {
		algs[i] = derTLV(0x30, mustMarshal(o))
	}
	return append(mustMarshal(a.version()), derSet(algs)...)
}

func (a *Assembly) tail() []byte {
	var out []byte
	if len(a.Certs) > 0 {
		out = derTLV(0xa0, a.Certs...) // [0] IMPLICIT CertificateSet; order kept (signer first)
	}
	if len(a.CRLs) > 0 {
		out = append(out, derTLV(0xa1, a.CRLs...)...) // [1] IMPLICIT RevocationInfoChoices
	}
	return append(out, derSet(a.SignerInfos)...)
}

func (a *Assembly) contentType() asn1.ObjectIdentifier {
	if a.ContentType == nil {
		return OIDData
	}
	return a.ContentType
}

// Detached encodes a ContentInfo with a SignedData without eContent (RFC 5652 §5.2): a .p7s file or
// the /Contents of a PAdES signature.
func (a *Assembly) Detached() []byte {
	encap := derTLV(0x30, mustMarshal(a.contentType()))
	sd := derTLV(0x30, a.head(), encap, a.tail())
	return derTLV(0x30, mustMarshal(OIDSignedData), derTLV(0xa0, sd))
}

// Enveloping returns the DER before and after the content of an enveloping SignedData (.p7m) whose
// eContent, an OCTET STRING of contentLen bytes, is the original file: the output is
// [header, content, trailer] and the content is never copied into memory.
func (a *Assembly) Enveloping(contentLen int64) (header, trailer []byte) {
	octetHdr := derHeader(0x04, contentLen)
	explicitLen := int64(len(octetHdr)) + contentLen
	explicitHdr := derHeader(0xa0, explicitLen)
	oid := mustMarshal(a.contentType())
	encapLen := int64(len(oid)+len(explicitHdr)) + explicitLen
	encapHdr := derHeader(0x30, encapLen)
	head, tail := a.head(), a.tail()
	sdLen := int64(len(head)+len(encapHdr)) + encapLen + int64(len(tail))
	sdHdr := derHeader(0x30, sdLen)
	wrapLen := int64(len(sdHdr)) + sdLen
	wrapHdr := derHeader(0xa0, wrapLen)
	ciOID := mustMarshal(OIDSignedData)
	ciHdr := derHeader(0x30, int64(len(ciOID)+len(wrapHdr))+wrapLen)
	for _, b := range [][]byte{ciHdr, ciOID, wrapHdr, sdHdr, head, encapHdr, oid, explicitHdr, octetHdr} {
		header = append(header, b...)
	}
	return header, tail
}

// EnvelopingParts is the .p7m as output parts around the content ranges of src.
func (a *Assembly) EnvelopingParts(content []docio.Range) []docio.Part {
	var n int64
	for _, r := range content {
		n += r.Len
	}
	h, t := a.Enveloping(n)
	parts := []docio.Part{{Data: h}}
	for _, r := range content {
		parts = append(parts, docio.Part{Range: r})
	}
	return append(parts, docio.Part{Data: t})
}
