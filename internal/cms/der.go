package cms

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	"github.com/ponte-it/ponte/internal/docio"
)

// derHeader returns the DER identifier and definite length octets (X.690 §8.1.3) of an element with
// a one-byte tag and n content bytes.
func derHeader(tag byte, n int64) []byte {
	if n < 0x80 {
		return []byte{tag, byte(n)}
	}
	var l []byte
	for v := n; v > 0; v >>= 8 {
		l = append([]byte{byte(v)}, l...)
	}
	return append([]byte{tag, 0x80 | byte(len(l))}, l...)
}

// derTLV wraps content in a DER element.
func derTLV(tag byte, content ...[]byte) []byte {
	var n int
	for _, c := range content {
		n += len(c)
	}
	out := derHeader(tag, int64(n))
	for _, c := range content {
		out = append(out, c...)
	}
	return out
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// element is one BER TLV found in a source (X.690 §8.1): Tag is the identifier octet (low tag numbers
// only, which is all CMS uses), Len is -1 for the indefinite form.
type element struct {
	Tag byte
	Off int64 // offset of the identifier octet
	Hdr int   // identifier + length octets
	Len int64
}

func (e element) constructed() bool { return e.Tag&0x20 != 0 }
func (e element) body() int64       { return e.Off + int64(e.Hdr) }

var errBER = errors.New("malformed BER")

// maxDepth bounds recursion while walking indefinite-length elements.
const maxDepth = 64

// readElement reads the TLV header at off, which must lie before limit.
func readElement(src docio.Source, off, limit int64) (element, error) {
	var hdr [10]byte
	n := min(int64(len(hdr)), limit-off)
	if n < 2 {
		return element{}, fmt.Errorf("%w: element header past end at %d", errBER, off)
	}
	if got, err := src.ReadAt(hdr[:n], off); int64(got) != n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return element{}, err
	}
	e := element{Tag: hdr[0], Off: off, Hdr: 2}
	if hdr[0]&0x1f == 0x1f {
		return e, fmt.Errorf("%w: high tag number at %d", errBER, off)
	}
	l := hdr[1]
	switch {
	case l < 0x80:
		e.Len = int64(l)
	case l == 0x80:
		if !e.constructed() {
			return e, fmt.Errorf("%w: indefinite primitive at %d", errBER, off)
		}
		e.Len = -1
	default:
		k := int(l & 0x7f)
		if k > 6 || int64(2+k) > n {
			return e, fmt.Errorf("%w: length of %d octets at %d", errBER, k, off)
		}
		for _, b := range hdr[2 : 2+k] {
			e.Len = e.Len<<8 | int64(b)
		}
		e.Hdr = 2 + k
	}
	if e.Len >= 0 && e.body()+e.Len > limit {
		return e, fmt.Errorf("%w: element at %d runs past its container (truncated file?)", errBER, off)
	}
	return e, nil
}

// end returns the offset just past e, walking the children of an indefinite-length element.
func (e element) end(src docio.Source, limit int64, depth int) (int64, error) {
	if e.Len >= 0 {
		return e.body() + e.Len, nil
	}
	if depth > maxDepth {
		return 0, fmt.Errorf("%w: nesting too deep", errBER)
	}
	off := e.body()
	for {
		c, err := readElement(src, off, limit)
		if err != nil {
			return 0, err
		}
		if c.Tag == 0 && c.Len == 0 {
			return off + 2, nil
		}
		off, err = c.end(src, limit, depth+1)
		if err != nil {
			return 0, err
		}
	}
}

// children lists the direct children of a constructed element.
func (e element) children(src docio.Source, limit int64, depth int) ([]element, error) {
	if !e.constructed() {
		return nil, fmt.Errorf("%w: expected a constructed element at %d", errBER, e.Off)
	}
	var out []element
	off := e.body()
	stop := limit
	if e.Len >= 0 {
		stop = e.body() + e.Len
	}
	for off < stop {
		c, err := readElement(src, off, stop)
		if err != nil {
			return nil, err
		}
		if e.Len < 0 && c.Tag == 0 && c.Len == 0 {
			return out, nil
		}
		out = append(out, c)
		if len(out) > 1<<16 {
			return nil, fmt.Errorf("%w: too many elements", errBER)
		}
		off, err = c.end(src, stop, depth+1)
		if err != nil {
			return nil, err
		}
	}
	if e.Len < 0 {
		return nil, fmt.Errorf("%w: missing end-of-contents", errBER)
	}
	return out, nil
}

// octetRanges returns where the value of an OCTET STRING lies in the source: one range for the
// primitive form, the chunks in order for the constructed (BER) form (X.690 §8.7.3).
func octetRanges(src docio.Source, e element, limit int64, depth int) ([]docio.Range, error) {
	if e.Tag&0x1f != 0x04 && depth > 0 {
		return nil, fmt.Errorf("%w: expected OCTET STRING at %d", errBER, e.Off)
	}
	if !e.constructed() {
		return []docio.Range{{Off: e.body(), Len: e.Len}}, nil
	}
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: nesting too deep", errBER)
	}
	kids, err := e.children(src, limit, depth)
	if err != nil {
		return nil, err
	}
	var out []docio.Range
	for _, k := range kids {
		rs, err := octetRanges(src, k, limit, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// maxInMemory bounds the parts of a CMS structure read into memory (everything but the content).
const maxInMemory = 32 << 20

// readWhole reads e, header included, into memory, converting nothing: callers parse it as DER/BER.
func readWhole(src docio.Source, e element, limit int64) ([]byte, error) {
	end, err := e.end(src, limit, 0)
	if err != nil {
		return nil, err
	}
	if end-e.Off > maxInMemory {
		return nil, fmt.Errorf("%w: element of %d bytes too large", errBER, end-e.Off)
	}
	return docio.ReadRange(src, docio.Range{Off: e.Off, Len: end - e.Off})
}

// Element is one BER TLV of a source, for the formats built on CMS structures (RFC 5544
// TimeStampedData) that are read like a .p7m: the content where it lies, the rest in memory.
type Element = element

// ReadElement reads the TLV header at off, which must lie before limit.
func ReadElement(src docio.Source, off, limit int64) (Element, error) {
	return readElement(src, off, limit)
}

// Body is the offset of e's content octets; End the offset just past e (indefinite forms walked).
func (e element) Body() int64                                      { return e.body() }
func (e element) End(src docio.Source, limit int64) (int64, error) { return e.end(src, limit, 0) }

// Children lists the direct children of a constructed element.
func (e element) Children(src docio.Source, limit int64) ([]Element, error) {
	return e.children(src, limit, 0)
}

// OctetRanges is where the value of an OCTET STRING lies (one range per chunk of a constructed one).
func OctetRanges(src docio.Source, e Element, limit int64) ([]docio.Range, error) {
	return octetRanges(src, e, limit, 0)
}

// ReadWhole reads e, header included, into memory (bounded).
func ReadWhole(src docio.Source, e Element, limit int64) ([]byte, error) {
	return readWhole(src, e, limit)
}

// DERHeader is the identifier and definite length octets of an element of n content bytes.
func DERHeader(tag byte, n int64) []byte { return derHeader(tag, n) }

// ReadOID reads the OBJECT IDENTIFIER e.
func ReadOID(src docio.Source, e Element, limit int64) (asn1.ObjectIdentifier, error) {
	return readOID(src, e, limit)
}
