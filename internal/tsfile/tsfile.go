// Package tsfile is the time-stamped file: a file and RFC 3161 time-stamp tokens obtained for it, in
// the three forms Italian offices exchange — a detached time-stamp response (.tsr, RFC 3161 §2.4.2), a
// TimeStampedData envelope (.tsd, RFC 5544) holding the file, and the .m7m, a MIME multipart/mixed
// message (RFC 2046 §5.1.3) with a signed .p7m and the .tsr obtained for it, as InfoCert's Dike writes
// it. Each is created from a file and a TSA (Create) and read back (ParseTSR, ParseTSD, ParseM7M); the
// tokens are checked against the data they stamp (Check). The data is never copied: it is a range of
// the file, hashed where it lies.
package tsfile

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/tsp"
)

// Kind is a time-stamped file's form.
type Kind string

const (
	TSR Kind = "tsr" // a TimeStampResp (or a bare token), the data elsewhere
	TSD Kind = "tsd" // RFC 5544 TimeStampedData
	M7M Kind = "m7m" // MIME: a .p7m and its .tsr
)

// KindOfName is the form named by a file's extension ("" when none is).
func KindOfName(name string) Kind {
	switch low := strings.ToLower(name); {
	case strings.HasSuffix(low, ".tsr"):
		return TSR
	case strings.HasSuffix(low, ".tsd"):
		return TSD
	case strings.HasSuffix(low, ".m7m"):
		return M7M
	}
	return ""
}

// maxToken bounds a time-stamp response or token read into memory (tokens are a few KB with the
// TSA's chain).
const maxToken = 1 << 20

// Detect says which time-stamped form the file starting with head is, or "" when it is none (a .p7m,
// a PDF, anything else). head is the first bytes (64 are enough).
func Detect(head []byte) Kind {
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if hasFoldPrefix(trimmed, "mime-version:") || hasFoldPrefix(trimmed, "content-type:") {
		return M7M
	}
	if len(head) < 4 || head[0] != 0x30 {
		return ""
	}
	e, err := cms.ReadElement(docio.Bytes(head), 0, 1<<62)
	if err != nil {
		return ""
	}
	// A bare TimeStampToken is a SignedData like a .p7m: the caller tells them apart by the eContentType
	// (IsToken).
	switch inner := head[e.Hdr:]; {
	case isStatusInfo(head, int64(e.Hdr)): // TimeStampResp ::= SEQUENCE { PKIStatusInfo SEQUENCE { status INTEGER, … }, … }
		return TSR
	case bytes.HasPrefix(inner, oidTLV(cms.OIDTimeStampedData)):
		return TSD
	}
	return ""
}

// isStatusInfo: at off in head starts a SEQUENCE whose first element is an INTEGER (a PKIStatusInfo;
// a certificate's TBSCertificate starts with [0] instead).
func isStatusInfo(head []byte, off int64) bool {
	e, err := cms.ReadElement(docio.Bytes(head), off, 1<<62)
	return err == nil && e.Tag == 0x30 && e.Body() < int64(len(head)) && head[e.Body()] == 0x02
}

func hasFoldPrefix(b []byte, p string) bool {
	return len(b) >= len(p) && strings.EqualFold(string(b[:len(p)]), p)
}

func oidTLV(o asn1.ObjectIdentifier) []byte {
	der, _ := asn1.Marshal(o)
	return der
}

// IsToken: the SignedData sd is a TimeStampToken (its content a TSTInfo, RFC 3161 §2.4.2), not a .p7m.
func IsToken(sd *cms.SignedData) bool { return sd.ContentType.Equal(cms.OIDTSTInfo) }

// Stamp is one time-stamp token of a file and what checking it against its data found.
type Stamp struct {
	Token []byte
	// Verified is the token when its signature verifies and its imprint is the data's hash; nil with
	// Err otherwise (tsp.ErrImprintMismatch: the data is not what was stamped).
	Verified *tsp.Token
	Err      error
}

// Check verifies token against the data ranges of src (RFC 3161 §2.4.2: the imprint is the hash of the
// data, with the algorithm the token names), and its TSA's chain against anchors (nil: not checked).
func Check(token []byte, src docio.Source, data []docio.Range, anchors cms.TrustAnchors) Stamp {
	s := Stamp{Token: token}
	info, err := tsp.TokenInfo(token)
	if err != nil {
		s.Err = err
		return s
	}
	if !info.HashAlg.Available() || info.HashAlg == crypto.MD5 {
		s.Err = fmt.Errorf("tsfile: imprint algorithm %v not supported", info.HashAlg)
		return s
	}
	h := info.HashAlg.New()
	if err := docio.HashRanges(h, src, data...); err != nil {
		s.Err = err
		return s
	}
	s.Verified, s.Err = tsp.VerifyToken(token, h.Sum(nil), anchors)
	return s
}

// Mismatch: the stamp's token is sound but was made for other data.
func (s Stamp) Mismatch() bool { return errors.Is(s.Err, tsp.ErrImprintMismatch) }

// bad is the refusal of a malformed time-stamped file, in both languages.
func bad(kind Kind, it, en string, cause error) error {
	return signerr.New(signerr.BadInput,
		fmt.Sprintf("File .%s non valido: %s.", kind, it), fmt.Sprintf("Invalid .%s file: %s.", kind, en), cause)
}
