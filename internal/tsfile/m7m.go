package tsfile

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/textproto"
	"strings"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
)

// The .m7m as InfoCert's Dike writes it (and the Emilia-Romagna archive's SACER reads it): a MIME
// message (RFC 2045) of type multipart/mixed (RFC 2046 §5.1.3) with
//
//	Content-Type: application/pkcs7-mime; smime-type=signed-data; name="X.p7m"
//	Content-Transfer-Encoding: binary          the signed envelope, byte for byte
//	Content-Type: application/timestamp-reply; name="X.tsr"
//	Content-Transfer-Encoding: base64          the TSA's TimeStampResp for the whole .p7m file
//
// each part with Content-Disposition: attachment; filename and a Content-Description.

// M7MFile is a parsed .m7m.
type M7MFile struct {
	// P7M is where the envelope lies in the file (binary transfer encoding); when it was base64, Decoded
	// holds it instead and P7M is nil.
	P7M     []docio.Range
	Decoded docio.Source
	P7MName string
	// Tokens are the time-stamp tokens of the .tsr parts, each over the .p7m as it is in P7M/Decoded.
	Tokens [][]byte
}

// Envelope is the .p7m as a source: the decoded part, or the range of file.
func (m *M7MFile) Envelope(file docio.Source) (docio.Source, []docio.Range) {
	if m.Decoded != nil {
		return m.Decoded, []docio.Range{{Len: m.Decoded.Size()}}
	}
	return file, m.P7M
}

const (
	maxHeader   = 16 << 10 // one header block
	scanChunk   = 1 << 20
	maxParts    = 16
	maxBoundary = 70 // RFC 2046 §5.1.1
)

// ParseM7M reads a .m7m: the headers and the time-stamp parts in memory, the .p7m where it lies.
func ParseM7M(src docio.Source) (*M7MFile, error) {
	hdr, bodyAt, err := readHeader(src, 0)
	if err != nil {
		return nil, bad(M7M, "intestazione MIME illeggibile", "unreadable MIME header", err)
	}
	mt, params, err := mime.ParseMediaType(hdr.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return nil, bad(M7M, "non è un messaggio MIME multipart", "not a MIME multipart message", fmt.Errorf("Content-Type %q: %v", mt, err))
	}
	b := params["boundary"]
	if b == "" || len(b) > maxBoundary {
		return nil, bad(M7M, "manca il separatore delle parti (boundary)", "the parts' separator (boundary) is missing", errors.New("no boundary"))
	}
	p := &mimeScan{src: src, delim: []byte("--" + b)}
	m := &M7MFile{}
	at, final, err := p.next(bodyAt, true)
	if err != nil {
		return nil, bad(M7M, fmt.Sprintf("il separatore %q non si trova nel file", b), fmt.Sprintf("the separator %q is not in the file", b), err)
	}
	for n := 0; !final; n++ {
		if n == maxParts {
			return nil, bad(M7M, "troppe parti", "too many parts", errors.New("parts"))
		}
		ph, start, err := readHeader(src, at)
		if err != nil {
			return nil, bad(M7M, "intestazione di una parte illeggibile", "unreadable part header", err)
		}
		end, next, fin, err := p.partEnd(start, ph)
		if err != nil {
			return nil, bad(M7M, "una parte non è chiusa dal separatore (file troncato?)", "a part is not closed by the separator (truncated file?)", err)
		}
		if err := m.add(src, ph, docio.Range{Off: start, Len: end - start}); err != nil {
			return nil, err
		}
		at, final = next, fin
	}
	switch {
	case m.P7M == nil && m.Decoded == nil:
		return nil, bad(M7M, "manca la parte con la busta firmata .p7m", "the part with the signed .p7m envelope is missing", errors.New("no p7m part"))
	case len(m.Tokens) == 0:
		return nil, bad(M7M, "manca la parte con la marca temporale .tsr", "the part with the .tsr time stamp is missing", errors.New("no tsr part"))
	}
	return m, nil
}

// add files one part by its type (or its file name's extension, as Dike's readers do).
func (m *M7MFile) add(src docio.Source, h textproto.MIMEHeader, body docio.Range) error {
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	_, disp, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := params["name"]
	if disp["filename"] != "" {
		name = disp["filename"]
	}
	low := strings.ToLower(name)
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	switch {
	case mt == "application/pkcs7-mime" || mt == "application/x-pkcs7-mime" || strings.HasSuffix(low, ".p7m"):
		if m.P7M != nil || m.Decoded != nil {
			return bad(M7M, "più di una busta .p7m", "more than one .p7m envelope", errors.New("two p7m parts"))
		}
		m.P7MName = name
		if cte == "base64" {
			b, err := decodePart(src, body, cms.MaxTextEnvelope)
			if err != nil {
				return bad(M7M, "la busta .p7m in base64 non si decodifica", "the base64 .p7m envelope does not decode", err)
			}
			m.Decoded = docio.Bytes(b)
			return nil
		}
		if err := rawEncoding(cte); err != nil {
			return err
		}
		m.P7M = []docio.Range{body}
	case mt == "application/timestamp-reply" || mt == "application/timestamp-token" || strings.HasSuffix(low, ".tsr"):
		var b []byte
		var err error
		if cte == "base64" {
			b, err = decodePart(src, body, maxToken)
		} else if err = rawEncoding(cte); err == nil && body.Len <= maxToken {
			b, err = docio.ReadRange(src, body)
		}
		if err != nil || b == nil {
			return bad(M7M, "la parte .tsr non si legge", "the .tsr part cannot be read", err)
		}
		tok, err := ParseTSR(docio.Bytes(b))
		if err != nil {
			return err
		}
		m.Tokens = append(m.Tokens, tok)
	}
	return nil
}

func rawEncoding(cte string) error {
	switch cte {
	case "", "binary", "8bit", "7bit":
		return nil
	}
	return bad(M7M, "codifica di trasferimento "+cte+" non gestita", "transfer encoding "+cte+" not handled", errors.New(cte))
}

func decodePart(src docio.Source, r docio.Range, max int64) ([]byte, error) {
	if r.Len > max*4/3+max/38+1024 {
		return nil, errors.New("part too large")
	}
	text, err := docio.ReadRange(src, r)
	if err != nil {
		return nil, err
	}
	clean := bytes.Map(func(c rune) rune {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			return -1
		}
		return c
	}, text)
	return base64.StdEncoding.DecodeString(string(clean))
}

// readHeader reads the header block starting at off (RFC 5322 §2.2, lines ending CRLF or LF) and
// returns it with the offset of the body after the empty line.
func readHeader(src docio.Source, off int64) (textproto.MIMEHeader, int64, error) {
	if off >= src.Size() {
		return nil, 0, errors.New("no header")
	}
	win, err := docio.ReadRange(src, docio.Range{Off: off, Len: min(src.Size()-off, maxHeader)})
	if err != nil {
		return nil, 0, err
	}
	n, sep := -1, 0
	for _, s := range []string{"\r\n\r\n", "\n\n", "\n\r\n"} {
		if i := bytes.Index(win, []byte(s)); i >= 0 && (n < 0 || i < n) {
			n, sep = i, len(s)
		}
	}
	if n < 0 {
		return nil, 0, errors.New("header block without an empty line")
	}
	block := bytes.TrimRight(win[:n:n], "\r")
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(block, "\r\n\r\n"...)))).ReadMIMEHeader()
	if err != nil {
		return nil, 0, err
	}
	return h, off + int64(n+sep), nil
}

// mimeScan finds the boundary delimiter lines of a multipart body (RFC 2046 §5.1.1: "--" boundary at
// the start of a line, "--" after it on the closing one).
type mimeScan struct {
	src   docio.Source
	delim []byte
}

// next finds the first delimiter line at or after off (at off itself when first: the preamble may be
// empty) and returns the offset after its line and whether it was the closing one.
func (p *mimeScan) next(off int64, first bool) (after int64, final bool, err error) {
	at, err := p.find(off, first)
	if err != nil {
		return 0, false, err
	}
	return p.lineAfter(at + int64(len(p.delim)))
}

// find returns the offset of the next "--boundary" that starts a line, searching in chunks.
func (p *mimeScan) find(off int64, first bool) (int64, error) {
	size := p.src.Size()
	pat := append([]byte("\n"), p.delim...)
	if first && off+int64(len(p.delim)) <= size {
		if b, _ := docio.ReadRange(p.src, docio.Range{Off: off, Len: int64(len(p.delim))}); bytes.Equal(b, p.delim) {
			return off, nil
		}
	}
	for start := max(off-1, 0); start < size; start += scanChunk {
		win, err := docio.ReadRange(p.src, docio.Range{Off: start, Len: min(size-start, scanChunk+int64(len(pat)))})
		if err != nil {
			return 0, err
		}
		if i := bytes.Index(win, pat); i >= 0 {
			return start + int64(i) + 1, nil
		}
	}
	return 0, errors.New("boundary not found")
}

// lineAfter reads what follows a delimiter: "--" for the closing one, optional white space, the line
// break.
func (p *mimeScan) lineAfter(off int64) (int64, bool, error) {
	win, _ := docio.ReadRange(p.src, docio.Range{Off: off, Len: min(p.src.Size()-off, 80)})
	final := bytes.HasPrefix(win, []byte("--"))
	if final {
		return off + 2, true, nil
	}
	i := bytes.IndexByte(win, '\n')
	if i < 0 || len(bytes.TrimRight(win[:i], " \t\r")) != 0 {
		return 0, false, errors.New("delimiter line not ended")
	}
	return off + int64(i) + 1, false, nil
}

// partEnd finds where the part whose body starts at start ends (before the line break that precedes
// the next delimiter). A binary DER envelope's own length points at the delimiter directly, so a large
// .p7m is not scanned; otherwise (BER indefinite length, base64) the body is searched.
func (p *mimeScan) partEnd(start int64, h textproto.MIMEHeader) (end, next int64, final bool, err error) {
	at := int64(-1)
	if e, err := cms.ReadElement(p.src, start, p.src.Size()); err == nil && e.Tag == 0x30 && e.Len >= 0 {
		if d := e.Body() + e.Len; p.delimAt(d) >= 0 {
			at = p.delimAt(d)
		}
	}
	if at < 0 {
		if at, err = p.find(start, false); err != nil {
			return 0, 0, false, err
		}
	}
	end = at - 1 // the LF that starts the delimiter's line belongs to it (RFC 2046 §5.1.1), CR too
	if end > start {
		if b, _ := docio.ReadRange(p.src, docio.Range{Off: end - 1, Len: 1}); len(b) == 1 && b[0] == '\r' {
			end--
		}
	}
	end = max(end, start)
	next, final, err = p.lineAfter(at + int64(len(p.delim)))
	return end, next, final, err
}

// delimAt returns the offset of a delimiter that follows off after a CRLF or LF, or -1.
func (p *mimeScan) delimAt(off int64) int64 {
	win, _ := docio.ReadRange(p.src, docio.Range{Off: off, Len: min(max(p.src.Size()-off, 0), int64(len(p.delim)+2))})
	for _, nl := range []string{"\r\n", "\n"} {
		if bytes.HasPrefix(win, []byte(nl)) && bytes.HasPrefix(win[len(nl):], p.delim) {
			return off + int64(len(nl))
		}
	}
	return -1
}

// m7mParts is a .m7m around n bytes of .p7m (the source's): the header and the trailer with the
// time-stamp response resp, in Dike's layout, lines ending CRLF (RFC 2045 canonical form).
func m7mParts(p7mName, tsrName, boundary string, resp []byte) (head, tail []byte) {
	var h, t strings.Builder
	w := func(b *strings.Builder, lines ...string) {
		for _, l := range lines {
			b.WriteString(l + "\r\n")
		}
	}
	w(&h, "Mime-Version: 1.0", `Content-Type: multipart/mixed; boundary="`+boundary+`"`, "",
		"--"+boundary,
		`Content-Type: application/pkcs7-mime; smime-type=signed-data; name="`+p7mName+`"`,
		"Content-Transfer-Encoding: binary",
		`Content-Disposition: attachment; filename="`+p7mName+`"`,
		"Content-Description: Signed envelope", "")
	w(&t, "", "--"+boundary,
		`Content-Type: application/timestamp-reply; name="`+tsrName+`"`,
		"Content-Transfer-Encoding: base64",
		`Content-Disposition: attachment; filename="`+tsrName+`"`,
		"Content-Description: time-stamp response", "")
	enc := base64.StdEncoding.EncodeToString(resp)
	for len(enc) > 76 {
		w(&t, enc[:76])
		enc = enc[76:]
	}
	w(&t, enc, "--"+boundary+"--")
	return []byte(h.String()), []byte(t.String())
}
