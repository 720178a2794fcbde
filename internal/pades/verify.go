package pades

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/pdf"
	"github.com/ponte-it/ponte/internal/tsp"
)

// Report is the verification of every signature in a PDF.
type Report struct {
	Size int64
	// Repaired: the cross-reference data was damaged and the objects were found by scanning. The
	// signatures can still be checked, but the file itself is faulty.
	Repaired   bool
	Signatures []*SignatureReport
}

// SignatureReport is one signature's verification.
type SignatureReport struct {
	Field       string
	SubFilter   string
	Kind        string // "signature" or "document-timestamp"
	Signer      string
	Certificate *x509.Certificate
	ClaimedTime time.Time // /M
	// TimeStamp is the signature (or document) time stamp's time when one is present and verifies.
	TimeStamp      time.Time
	TimeStampChain cms.ChainStatus
	ByteRange      [4]int64
	// ByteRangeOK: the range starts at 0 and its only gap is exactly the /Contents string.
	ByteRangeOK bool
	// CoversWholeFile: the signature covers the file up to its last byte.
	CoversWholeFile bool
	// ChangedAfter: bytes were appended after the revision this signature signed (incremental updates,
	// e.g. later signatures); LaterSignatures counts how many later signatures cover those bytes.
	ChangedAfter    bool
	LaterSignatures int
	// LaterChanges classifies the updates after this signature: ChangesNone, ChangesSignatures (only
	// further signatures and what they need), ChangesAllowed (form filling or annotations the DocMDP or
	// FieldMDP permissions allow) or ChangesOther (the document was modified after the signature).
	// LaterChangeDetails says what, "italiano / English"; Changes has each change in both languages.
	LaterChanges       string
	LaterChangeDetails []string
	Changes            []Change
	IntegrityOK        bool // digest and signature value verify
	CAdESBES           bool
	Chain              cms.ChainStatus
	ChainDetail        string
	Certs              []*x509.Certificate // certificates the signature carries (revocation: issuer candidates)
	CMS                *cms.SignerResult   // the CMS verification (algorithms, signing-certificate attribute)
	Problems           []string
	dict               pdf.Dict // the signature dictionary (its FieldMDP locks)
}

// Valid is integrity, sound byte range, and a chain valid against the anchors.
func (s *SignatureReport) Valid() bool {
	return s.IntegrityOK && s.ByteRangeOK && s.Chain == cms.ChainValid
}

// Verify checks every signature field of the PDF in src.
func Verify(src docio.Source, opts cms.VerifyOptions) (*Report, error) {
	doc, err := pdf.OpenForReading(src)
	if err != nil {
		return nil, err
	}
	fields, err := doc.Fields()
	if err != nil {
		return nil, err
	}
	rep := &Report{Size: src.Size(), Repaired: doc.Repaired}
	for _, f := range fields {
		if f.Type != "Sig" || f.Dict["V"] == nil {
			continue
		}
		v, err := doc.Dict(f.Dict["V"])
		if err != nil || v == nil {
			continue
		}
		name := ""
		if s, ok := f.Dict["T"].(pdf.String); ok {
			name = pdf.DecodeText(s.Bytes)
		}
		rep.Signatures = append(rep.Signatures, verifyOne(src, name, signedDict(src, v), opts))
	}
	sort.Slice(rep.Signatures, func(i, j int) bool {
		return rep.Signatures[i].ByteRange[2]+rep.Signatures[i].ByteRange[3] < rep.Signatures[j].ByteRange[2]+rep.Signatures[j].ByteRange[3]
	})
	for i, s := range rep.Signatures {
		end := s.ByteRange[2] + s.ByteRange[3]
		s.CoversWholeFile = end == rep.Size
		s.ChangedAfter = end < rep.Size
		for _, later := range rep.Signatures[i+1:] {
			if later.ByteRange[2]+later.ByteRange[3] > end {
				s.LaterSignatures++
			}
		}
		if s.ByteRangeOK {
			s.LaterChanges, s.LaterChangeDetails, s.Changes = laterChanges(src, doc, end, s.dict)
		}
	}
	return rep, nil
}

// signedDict is the signature dictionary as the revision its /ByteRange signs holds it: the signed
// revision's own signature field whose value has that /ByteRange. A later incremental update (ISO 32000-1
// §7.5.6) may redefine the dictionary, or point the field at a new one, with the same /ByteRange and
// other /SubFilter, /Type, /M or /Contents; read from the latest revision, that made an intact signature
// look broken or another CMS look like this revision's signature. What the update changed is a later
// change (laterChanges). The latest dictionary is kept when the signed revision does not open or has no
// such field (a dictionary claiming a range no signature of that revision has is judged as it is).
func signedDict(src docio.Source, latest pdf.Dict) pdf.Dict {
	br, err := byteRange(latest)
	if err != nil || br[2]+br[3] >= src.Size() {
		return latest // no later revision (or no range): the latest dictionary is the signed one
	}
	// Only a sound range names a revision worth opening (one open per signature, as laterChanges).
	// The range's shape alone: the latest /Contents may be a later update's redefinition (of another
	// length); the signed revision's own dictionary is judged against the gap by the caller.
	if _, err := checkGap(src, br[0], br[1], br[2], br[3], int((br[2]-br[1]-2)/2)); err != nil {
		return latest
	}
	old, err := pdf.OpenForReading(docio.NewSection(src, br[2]+br[3]))
	if err != nil {
		return latest
	}
	fields, err := old.Fields()
	if err != nil {
		return latest
	}
	for _, f := range fields {
		if f.Type != "Sig" || f.Dict["V"] == nil {
			continue
		}
		if v, err := old.Dict(f.Dict["V"]); err == nil && v != nil {
			if obr, err := byteRange(v); err == nil && obr == br {
				return v
			}
		}
	}
	return latest
}

// byteRange reads /ByteRange: four non-negative integers (ISO 32000-1 §12.8.1).
func byteRange(v pdf.Dict) ([4]int64, error) {
	var out [4]int64
	br, ok := v["ByteRange"].(pdf.Array)
	if !ok || len(br) != 4 {
		return out, errors.New("no valid /ByteRange")
	}
	for i, x := range br {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return out, errors.New("/ByteRange has a non-integer")
		}
		out[i] = n
	}
	return out, nil
}

func verifyOne(src docio.Source, field string, v pdf.Dict, opts cms.VerifyOptions) *SignatureReport {
	r := &SignatureReport{Field: field, SubFilter: string(v.Name("SubFilter")), Kind: "signature",
		Chain: cms.ChainNotChecked, dict: v}
	problem := func(format string, a ...any) *SignatureReport {
		r.Problems = append(r.Problems, fmt.Sprintf(format, a...))
		return r
	}
	if v.Name("Type") == "DocTimeStamp" || r.SubFilter == "ETSI.RFC3161" {
		r.Kind = "document-timestamp"
	}
	if m, ok := v["M"].(pdf.String); ok {
		r.ClaimedTime, _ = pdf.ParseDate(m.Bytes)
	}
	contents, ok := v["Contents"].(pdf.String)
	if !ok {
		return problem("no /Contents")
	}
	var err error
	if r.ByteRange, err = byteRange(v); err != nil {
		return problem("%v", err)
	}
	a, b, c, d := r.ByteRange[0], r.ByteRange[1], r.ByteRange[2], r.ByteRange[3]
	if gap, err := checkGap(src, a, b, c, d, len(contents.Bytes)); err != nil {
		problem("byte range: %v", err)
	} else {
		r.ByteRangeOK = true
		// The signature of this revision is the value in its gap (ISO 32000-1 §12.8.1: the range
		// excludes exactly that revision's /Contents), not the /Contents of the latest revision: a later
		// update can redefine the dictionary with the same /ByteRange and another CMS over the same bytes
		// (another holder named as this revision's signer) or garbage (an intact signature shown broken).
		// The redefinition itself is a later change (laterChanges).
		contents.Bytes = gap
	}
	if c+d > src.Size() || b > c {
		return problem("byte range outside the file")
	}
	ranges := []docio.Range{{Off: a, Len: b}, {Off: c, Len: d}}
	sd, err := cms.Parse(contents.Bytes)
	if err != nil {
		return problem("CMS: %v", err)
	}
	if len(sd.Signers) != 1 {
		return problem("%d SignerInfos (exactly one expected)", len(sd.Signers))
	}
	si := sd.Signers[0]
	if r.Kind == "document-timestamp" {
		return verifyDocTimeStamp(r, src, ranges, contents.Bytes, opts)
	}
	switch r.SubFilter {
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached":
	default:
		return problem("SubFilter %q not supported", r.SubFilter)
	}
	res := cms.VerifySigner(si, sd.Certs, cms.RangesDigest(src, ranges), cms.VerifyOptions{Anchors: opts.Anchors, At: opts.At, Extra: opts.Extra})
	cms.CheckContentType(res, si, sd.ContentType)
	r.Certificate, r.Signer, r.Certs, r.CMS = res.Certificate, res.Signer, sd.Certs, res
	r.IntegrityOK, r.CAdESBES = res.OK(), res.CAdESBES
	r.Chain, r.ChainDetail = res.Chain, res.ChainDetail
	if res.Err != nil {
		problem("%v", res.Err)
	}
	if t, err := tsp.SignatureTimeStamp(si, opts.Anchors); err != nil {
		problem("signature time stamp: %v", err)
	} else if t != nil {
		r.TimeStamp, r.TimeStampChain = t.Info.GenTime, t.Chain
		// With a time stamp, the chain is judged at the time-stamped time (it proves the signature
		// existed then).
		if r.Certificate != nil && opts.At.IsZero() && t.Chain == cms.ChainValid {
			r.Chain, r.ChainDetail = cms.VerifyChain(r.Certificate, append(sd.Certs, opts.Extra...), opts.Anchors, cms.PurposeSignature, t.Info.GenTime)
		}
	}
	if r.SubFilter == "ETSI.CAdES.detached" && !si.SigningTime().IsZero() {
		problem("CMS signing-time present (EN 319 142-1 §5.4.3 forbids it in PAdES)")
	}
	return r
}

func verifyDocTimeStamp(r *SignatureReport, src docio.Source, ranges []docio.Range, token []byte, opts cms.VerifyOptions) *SignatureReport {
	d, err := cms.ContentDigest(src, ranges...)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	t, err := tsp.VerifyToken(token, d, opts.Anchors)
	if err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r
	}
	r.IntegrityOK, r.TimeStamp, r.Chain, r.TimeStampChain = true, t.Info.GenTime, t.Chain, t.Chain
	r.Certificate, r.Signer = t.Signer, t.Signer.Subject.CommonName
	return r
}

// checkGap checks the ByteRange shape (ISO 32000-1 §12.8.1): it starts at 0 and the excluded bytes
// [b, c) are exactly the hexadecimal /Contents string, delimiters included. It returns the string's
// bytes: the signature value of the revision the range signs.
func checkGap(src docio.Source, a, b, c, d int64, contentsLen int) ([]byte, error) {
	if a != 0 {
		return nil, errors.New("does not start at 0")
	}
	if b <= 0 || c <= b || c+d > src.Size() {
		return nil, errors.New("offsets out of order or outside the file")
	}
	if c-b < int64(2+2*contentsLen) || c-b > int64(2+2*contentsLen)+1024 {
		return nil, errors.New("gap is not the /Contents string")
	}
	ends := make([]byte, 1)
	if _, err := src.ReadAt(ends, b); err != nil || ends[0] != '<' {
		return nil, errors.New("gap does not start with '<'")
	}
	if _, err := src.ReadAt(ends, c-1); err != nil || ends[0] != '>' {
		return nil, errors.New("gap does not end with '>'")
	}
	gap, err := docio.ReadRange(src, docio.Range{Off: b + 1, Len: c - b - 2})
	if err != nil {
		return nil, err
	}
	for _, ch := range gap {
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f' || ch >= 'A' && ch <= 'F') {
			return nil, errors.New("gap holds more than the hexadecimal signature")
		}
	}
	if len(gap)%2 == 1 {
		gap = append(gap, '0') // an odd final digit counts as followed by 0 (§7.3.4.3)
	}
	out := make([]byte, len(gap)/2)
	if _, err := hex.Decode(out, gap); err != nil {
		return nil, err
	}
	return out, nil
}

// SignedRevision is the part of the file the signature signs, from its first byte to the end of its
// /ByteRange: the document as it was when signed. ok is false when the byte range is not sound.
func (s *SignatureReport) SignedRevision() (r docio.Range, ok bool) {
	if s == nil || !s.ByteRangeOK {
		return docio.Range{}, false
	}
	return docio.Range{Off: 0, Len: s.ByteRange[2] + s.ByteRange[3]}, true
}

// Time is the best known signing time: the time stamp's when there is a valid one, else the claimed /M.
func (s *SignatureReport) Time() (t time.Time, timeStamped bool) {
	if !s.TimeStamp.IsZero() {
		return s.TimeStamp, true
	}
	return s.ClaimedTime, false
}
