package tsfile

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"path/filepath"
	"strings"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
	"github.com/ponte-it/ponte/internal/tsp"
)

// Stamper asks a TSA for a token over a SHA-256 digest and gives the whole response (tsp.Client).
type Stamper interface {
	Stamp(ctx context.Context, digest []byte) (*tsp.Stamped, error)
}

// Create time-stamps src (named name) in the form kind and returns the output as parts over src: the
// .tsr alone, or the .tsd / .m7m with the file where it lies. For an .m7m src must be a .p7m (a
// signed envelope with its content): the token is over the whole .p7m file.
func Create(ctx context.Context, src docio.Source, name string, kind Kind, tsa Stamper) ([]docio.Part, error) {
	base := safeName(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	var boundary string
	h := hash.Hash(sha256.New())
	if kind == M7M {
		sd, err := cms.ParseSource(src)
		if err != nil || sd.Detached || IsToken(sd) {
			return nil, signerr.New(signerr.BadInput,
				"Un file .m7m si crea da una busta firmata .p7m (binaria, con il documento dentro).",
				"An .m7m is made from a signed .p7m envelope (binary, with the document inside).", err)
		}
		boundary = newBoundary()
		h = &scanHash{Hash: h, pat: []byte("--" + boundary)}
	}
	if err := docio.HashRanges(h, src, docio.Range{Len: src.Size()}); err != nil {
		return nil, err
	}
	if s, ok := h.(*scanHash); ok && s.found {
		return nil, errors.New("tsfile: the random MIME boundary occurs in the .p7m; try again")
	}
	st, err := tsa.Stamp(ctx, h.Sum(nil))
	if err != nil {
		return nil, TimeStampError(err)
	}
	whole := docio.SourcePart(0, src.Size())
	switch kind {
	case TSR:
		return []docio.Part{{Data: st.Response}}, nil
	case TSD:
		head, tail := tsdParts(src.Size(), base, st.Token)
		return []docio.Part{{Data: head}, whole, {Data: tail}}, nil
	case M7M:
		head, tail := m7mParts(base, base+".tsr", boundary, st.Response)
		return []docio.Part{{Data: head}, whole, {Data: tail}}, nil
	}
	return nil, signerr.New(signerr.BadInput, "Formato di marca temporale sconosciuto: usare .tsr, .tsd o .m7m.",
		"Unknown time-stamp format: use .tsr, .tsd or .m7m.", errors.New(string(kind)))
}

// TimeStampError is a TSA failure in both languages; refused credentials are named as such.
func TimeStampError(err error) error {
	if errors.Is(err, tsp.ErrUnauthorized) {
		return signerr.New(signerr.TimeStamp,
			"Il servizio di marca temporale ha rifiutato le credenziali: controllare utente e password.",
			"The time-stamp service refused the credentials: check the user and the password.", err)
	}
	return signerr.New(signerr.TimeStamp, "Marca temporale non ottenuta dal servizio.",
		"No time stamp from the service.", err)
}

func newBoundary() string {
	var b [12]byte
	rand.Read(b[:])
	return "Ponte-" + hex.EncodeToString(b[:])
}

// safeName keeps a file name that goes into a MIME header (quoted-string, RFC 2045 §5.1) or an ASN.1
// string printable and unambiguous.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == "/" {
		return "documento"
	}
	return s
}

// scanHash hashes and watches for a pattern across writes (the MIME boundary must not occur in a part,
// RFC 2046 §5.1.1).
type scanHash struct {
	hash.Hash
	pat   []byte
	tail  []byte
	found bool
}

func (s *scanHash) Write(p []byte) (int, error) {
	if !s.found {
		joined := append(s.tail, p[:min(len(p), len(s.pat))]...)
		s.found = bytes.Contains(joined, s.pat) || bytes.Contains(p, s.pat)
		keep := min(len(s.pat)-1, len(p))
		s.tail = append(s.tail[:0], joined[len(joined)-min(len(joined), len(s.pat)-1):]...)
		if keep == len(s.pat)-1 {
			s.tail = append(s.tail[:0], p[len(p)-keep:]...)
		}
	}
	return s.Hash.Write(p)
}
