package tsfile

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
)

// TimeStampedData is a parsed .tsd (RFC 5544 §2):
//
//	TimeStampedData ::= SEQUENCE { version INTEGER { v1(1) }, dataUri IA5String OPTIONAL,
//	    metaData MetaData OPTIONAL, content OCTET STRING OPTIONAL, temporalEvidence Evidence }
//	MetaData ::= SEQUENCE { hashProtected BOOLEAN, fileName UTF8String OPTIONAL,
//	    mediaType IA5String OPTIONAL, otherMetaData Attributes OPTIONAL }
//	Evidence ::= CHOICE { tstEvidence [0] TimeStampTokenEvidence, … }   -- IMPLICIT TAGS
//	TimeStampTokenEvidence ::= SEQUENCE SIZE(1..MAX) OF TimeStampAndCRL
//	TimeStampAndCRL ::= SEQUENCE { timeStamp TimeStampToken, crl CertificateList OPTIONAL }
type TimeStampedData struct {
	Content  []docio.Range // where the content lies in the file (one range per chunk of a BER OCTET STRING)
	FileName string        // MetaData fileName, "" when absent
	// Tokens are the TimeStampTokenEvidence in order; the first is over the content, each later one
	// renews the one before (RFC 5544 §4.2).
	Tokens [][]byte
}

var (
	tagTSTEvidence = byte(0xa0) // [0] IMPLICIT, constructed
	tagIA5         = byte(0x16)
)

// ParseTSD reads a .tsd. Only the structure around the content is read into memory. A file whose
// content is not inside (dataUri only), whose evidence is not RFC 3161 tokens (RFC 4998 evidence
// records) or whose metadata is hash-protected is refused: Ponte cannot check it.
func ParseTSD(src docio.Source) (*TimeStampedData, error) {
	t, err := parseTSD(src)
	if err != nil {
		if signerr.CodeOf(err) != "" {
			return nil, err
		}
		return nil, bad(TSD, "struttura RFC 5544 non valida (troncato o danneggiato?)",
			"not a valid RFC 5544 structure (truncated or damaged?)", err)
	}
	return t, nil
}

func parseTSD(src docio.Source) (*TimeStampedData, error) {
	size := src.Size()
	ci, err := cms.ReadElement(src, 0, size)
	if err != nil {
		return nil, err
	}
	kids, err := ci.Children(src, size)
	if err != nil || len(kids) != 2 || kids[1].Tag != 0xa0 {
		return nil, fmt.Errorf("ContentInfo: %v", err)
	}
	if o, err := cms.ReadOID(src, kids[0], size); err != nil || !o.Equal(cms.OIDTimeStampedData) {
		return nil, fmt.Errorf("content type %v is not id-ct-timestampedData", o)
	}
	wrap, err := kids[1].Children(src, size)
	if err != nil || len(wrap) != 1 || wrap[0].Tag != 0x30 {
		return nil, errors.New("[0] does not hold one TimeStampedData")
	}
	fields, err := wrap[0].Children(src, size)
	if err != nil || len(fields) < 2 {
		return nil, fmt.Errorf("TimeStampedData: %v", err)
	}
	if v, err := cms.ReadWhole(src, fields[0], size); err != nil || string(v) != "\x02\x01\x01" {
		return nil, errors.New("version is not v1")
	}
	t := &TimeStampedData{}
	rest := fields[1:]
	if rest[0].Tag == tagIA5 {
		rest = rest[1:] // dataUri: the content may still be inside (then it is what was stamped)
	}
	if len(rest) > 0 && rest[0].Tag == 0x30 {
		if err := t.readMetaData(src, rest[0], size); err != nil {
			return nil, err
		}
		rest = rest[1:]
	}
	if len(rest) > 0 && rest[0].Tag&0x1f == 0x04 {
		if t.Content, err = cms.OctetRanges(src, rest[0], size); err != nil {
			return nil, err
		}
		rest = rest[1:]
	}
	if len(rest) != 1 {
		return nil, errors.New("fields after the temporal evidence")
	}
	if t.Content == nil {
		return nil, bad(TSD, "il documento non è contenuto nel file (solo un indirizzo dataUri)",
			"the document is not inside the file (only a dataUri)", errors.New("no content"))
	}
	if rest[0].Tag != tagTSTEvidence {
		return nil, bad(TSD, "le prove temporali non sono marche temporali RFC 3161", "the temporal evidence is not RFC 3161 time stamps",
			fmt.Errorf("evidence tag %#x", rest[0].Tag))
	}
	return t, t.readTokens(src, rest[0], size)
}

func (t *TimeStampedData) readMetaData(src docio.Source, e cms.Element, size int64) error {
	raw, err := cms.ReadWhole(src, e, size)
	if err != nil {
		return err
	}
	s := cryptobyte.String(raw)
	var md cryptobyte.String
	var protected bool
	if !s.ReadASN1(&md, cbasn1.SEQUENCE) || !md.ReadASN1Boolean(&protected) {
		return errors.New("MetaData")
	}
	if protected {
		return bad(TSD, "i metadati sono protetti dalla marca (hashProtected), forma non gestita",
			"the metadata are hash-protected, a form not handled", errors.New("hashProtected"))
	}
	var name cryptobyte.String
	if md.PeekASN1Tag(cbasn1.UTF8String) {
		if !md.ReadASN1(&name, cbasn1.UTF8String) || !utf8.Valid(name) {
			return errors.New("MetaData fileName")
		}
		t.FileName = string(name)
	}
	return nil
}

// maxTokens bounds the renewals read from one file.
const maxTokens = 64

func (t *TimeStampedData) readTokens(src docio.Source, ev cms.Element, size int64) error {
	items, err := ev.Children(src, size)
	if err != nil || len(items) == 0 || len(items) > maxTokens {
		return fmt.Errorf("TimeStampTokenEvidence of %d elements: %v", len(items), err)
	}
	for _, it := range items {
		raw, err := cms.ReadWhole(src, it, size)
		if err != nil {
			return err
		}
		s := cryptobyte.String(raw)
		var tsc cryptobyte.String
		var tok cryptobyte.String
		if !s.ReadASN1(&tsc, cbasn1.SEQUENCE) || !tsc.ReadASN1Element(&tok, cbasn1.SEQUENCE) {
			return errors.New("TimeStampAndCRL")
		}
		t.Tokens = append(t.Tokens, []byte(tok))
	}
	return nil
}

// tsdParts is a .tsd around n bytes of content (the source's) named name, with token: the header and
// the trailer, written around the content where it lies (definite-length DER, lengths first).
func tsdParts(n int64, name string, token []byte) (head, tail []byte) {
	version := []byte{0x02, 0x01, 0x01}
	var meta []byte
	if name != "" && utf8.ValidString(name) {
		meta = asn1Must(asn1.Marshal(struct {
			HashProtected bool
			FileName      string `asn1:"utf8"`
		}{false, name}))
	}
	evidence := cms.DERHeader(tagTSTEvidence, int64(len(token))+int64(len(cms.DERHeader(0x30, int64(len(token))))))
	evidence = append(append(evidence, cms.DERHeader(0x30, int64(len(token)))...), token...)
	octet := cms.DERHeader(0x04, n)
	tsdLen := int64(len(version)+len(meta)+len(octet)+len(evidence)) + n
	tsd := cms.DERHeader(0x30, tsdLen)
	oid := oidTLV(cms.OIDTimeStampedData)
	explicit := cms.DERHeader(0xa0, int64(len(tsd))+tsdLen)
	ci := cms.DERHeader(0x30, int64(len(oid)+len(explicit)+len(tsd))+tsdLen)
	for _, p := range [][]byte{ci, oid, explicit, tsd, version, meta, octet} {
		head = append(head, p...)
	}
	return head, evidence
}

func asn1Must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
