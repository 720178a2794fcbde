package pdf

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
)

// OpenForReading is Open with a fallback for reading only (verification, never signing): when the
// cross-reference data is damaged, the objects are found by scanning the file for "n g obj" headers,
// as viewers do. Repaired tells the caller it happened.
func OpenForReading(src docio.Source) (*Document, error) {
	d, err := Open(src)
	if err == nil || signerr.CodeOf(err) != signerr.BadXref {
		return d, err
	}
	r, rerr := reconstruct(src)
	if rerr != nil {
		return nil, err
	}
	return r, nil
}

var objHeader = regexp.MustCompile(`(?:^|[\r\n])[ \t]*(\d{1,10})[ \t\r\n]+(\d{1,5})[ \t\r\n]+obj\b`)

// reconstruct scans the file in chunks (overlapping so a header across a boundary is seen) and keeps the
// last definition of each object, as a later incremental update would.
func reconstruct(src docio.Source) (*Document, error) {
	d := &Document{src: src, xref: map[int]entry{}, objstm: map[int]*decodedObjStm{}, Repaired: true}
	const overlap = 64
	size := src.Size()
	var trailers []int64
	for off := int64(0); off < size; off += docio.ChunkSize {
		n := min(int64(docio.ChunkSize)+overlap, size-off)
		buf, err := docio.ReadRange(src, docio.Range{Off: off, Len: n})
		if err != nil {
			return nil, err
		}
		limit := min(int64(docio.ChunkSize), n) // headers starting in the overlap belong to the next chunk
		for _, m := range objHeader.FindAllSubmatchIndex(buf, -1) {
			start := int64(m[2])
			if start >= limit {
				continue
			}
			num, _ := strconv.Atoi(string(buf[m[2]:m[3]]))
			gen, _ := strconv.Atoi(string(buf[m[4]:m[5]]))
			d.xref[num] = entry{Offset: off + start, Gen: gen}
		}
		for i := 0; ; {
			j := bytes.Index(buf[i:], []byte("trailer"))
			if j < 0 || int64(i+j) >= limit {
				break
			}
			trailers = append(trailers, off+int64(i+j))
			i += j + 1
		}
	}
	for i := len(trailers) - 1; i >= 0 && d.Trailer == nil; i-- {
		d.parseAt(trailers[i]+int64(len("trailer")), func(p *parser) error {
			o, err := p.object(0)
			if t, ok := o.(Dict); ok && err == nil {
				if _, ok := t["Root"].(Ref); ok {
					d.Trailer = t
				}
			}
			return err
		})
	}
	// Objects inside object streams the scan found.
	for num := range d.xref {
		if os, err := d.objectStream(num); err == nil {
			for _, x := range os.index {
				if _, ok := d.xref[x.num]; !ok {
					d.xref[x.num] = entry{InStream: true, Stream: num}
				}
			}
		}
	}
	if d.Trailer == nil {
		// No usable trailer: take the catalog found by scanning, and an xref stream's Root if any.
		for num, e := range d.xref {
			o, err := d.Object(Ref{num, e.Gen})
			if err != nil {
				continue
			}
			if dict, ok := o.(Dict); ok && dict.Name("Type") == "Catalog" {
				d.Trailer = Dict{"Root": Ref{num, e.Gen}}
				break
			}
		}
	}
	if d.Trailer == nil {
		return nil, errors.New("no document catalog found by scanning")
	}
	for n := range d.xref {
		d.size = max(d.size, n+1)
	}
	return d, nil
}
