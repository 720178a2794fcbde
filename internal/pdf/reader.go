package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/ponte-it/ponte/internal/docio"
	"github.com/ponte-it/ponte/internal/signerr"
)

// XrefStyle is how a cross-reference section is written (§7.5.4, §7.5.8).
type XrefStyle int

const (
	XrefTable  XrefStyle = iota // classic "xref" table (hybrid files too: their newest section is a table)
	XrefStream                  // cross-reference stream
)

// entry locates an object: at Offset in the file, or as the Index-th object of object stream Stream.
type entry struct {
	Offset   int64
	Gen      int
	InStream bool
	Stream   int
	Index    int
	Free     bool
}

// Document is an open PDF: its newest trailer and the merged cross-reference of all its revisions.
type Document struct {
	src       docio.Source
	Version   string
	Trailer   Dict
	Style     XrefStyle // style of the newest cross-reference section
	StartXref int64     // offset of the newest cross-reference section
	Hybrid    bool      // the newest section is a table with /XRefStm
	Repaired  bool      // objects were found by scanning (OpenForReading); never signed
	xref      map[int]entry
	objstm    map[int]*decodedObjStm
	size      int // /Size
	depth     int // nesting of Object calls (an object stream's /Length may point back into it)
}

type objstmEntry struct {
	num int
	off int
}

// maxWindow bounds the bytes read to parse one object's dictionary or one cross-reference table (stream
// data is read separately); 64 MiB holds a table of three million objects.
const maxWindow = 64 << 20

// maxSections bounds the /Prev chain.
const maxSections = 4096

// Open reads the header, the cross-reference sections and the trailer. Problems come back as
// *signerr.Error with codes NOT_PDF, TRUNCATED, BAD_XREF or MALFORMED.
func Open(src docio.Source) (*Document, error) {
	d := &Document{src: src, xref: map[int]entry{}, objstm: map[int]*decodedObjStm{}}
	size := src.Size()
	head, err := docio.ReadRange(src, docio.Range{Off: 0, Len: min(size, 1024)})
	if err != nil {
		return nil, err
	}
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 || len(head) < i+8 {
		return nil, errNotPDF(nil)
	}
	d.Version = string(head[i+5 : i+8])
	tailLen := min(size, 4096)
	tail, err := docio.ReadRange(src, docio.Range{Off: size - tailLen, Len: tailLen})
	if err != nil {
		return nil, err
	}
	j := bytes.LastIndex(tail, []byte("startxref"))
	if j < 0 {
		return nil, errTruncated(errors.New("no startxref near the end"))
	}
	p := &parser{buf: tail[j+len("startxref"):], eof: true}
	t := p.token()
	off, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil || off <= 0 || off >= size {
		return nil, errXref(fmt.Errorf("startxref %q outside the file", t))
	}
	d.StartXref = off
	if err := d.readSections(off); err != nil {
		var se *signerr.Error
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, errXref(err)
	}
	if _, ok := d.Trailer["Root"].(Ref); !ok {
		return nil, errXref(errors.New("trailer has no /Root"))
	}
	if s, ok := d.Trailer.Int("Size"); ok && s > 0 && s < 1<<31 {
		d.size = int(s)
	}
	for n := range d.xref {
		if n+1 > d.size {
			d.size = n + 1
		}
	}
	return d, nil
}

// Source is the file the document was read from.
func (d *Document) Source() docio.Source { return d.src }

// Size is the trailer /Size after merging (one more than the highest object number).
func (d *Document) Size() int { return d.size }

// Encrypted reports a /Encrypt entry (§7.6).
func (d *Document) Encrypted() bool { return d.Trailer["Encrypt"] != nil }

func (d *Document) readSections(off int64) error {
	seen := map[int64]bool{}
	first := true
	for off > 0 {
		if seen[off] || len(seen) > maxSections {
			return fmt.Errorf("cross-reference /Prev loop at %d", off)
		}
		seen[off] = true
		trailer, style, err := d.readSection(off)
		if err != nil {
			return err
		}
		if first {
			d.Trailer, d.Style = trailer, style
			if _, ok := trailer["XRefStm"]; ok && style == XrefTable {
				d.Hybrid = true
			}
			first = false
		}
		prev, ok := trailer.Int("Prev")
		if !ok {
			break
		}
		if prev <= 0 || prev >= d.src.Size() {
			return fmt.Errorf("/Prev %d outside the file", prev)
		}
		off = prev
	}
	return nil
}

// set records an entry unless a newer section already did (sections are read newest first).
func (d *Document) set(num int, e entry) {
	if _, ok := d.xref[num]; !ok {
		d.xref[num] = e
	}
}

func (d *Document) readSection(off int64) (Dict, XrefStyle, error) {
	buf, _, err := d.window(off, 64)
	if err != nil {
		return nil, 0, err
	}
	if bytes.HasPrefix(bytes.TrimLeft(buf, " \t\r\n\f\x00"), []byte("xref")) {
		tr, free, err := d.readTable(off)
		if err != nil {
			return nil, 0, err
		}
		// Hybrid file (§7.5.8.4): the stream's entries fill what the table leaves out (the table marks
		// those objects free), so they are applied before the table's free entries.
		if xs, ok := tr.Int("XRefStm"); ok {
			if xs <= 0 || xs >= d.src.Size() {
				return nil, 0, fmt.Errorf("/XRefStm %d outside the file", xs)
			}
			if _, err := d.readXrefStream(xs); err != nil {
				return nil, 0, err
			}
		}
		// Objects freed in this section hide their definitions in older ones.
		for _, num := range free {
			d.set(num, entry{Free: true})
		}
		return tr, XrefTable, nil
	}
	tr, err := d.readXrefStream(off)
	return tr, XrefStream, err
}

// window reads up to n bytes at off; eof tells whether they reach the end of the file.
func (d *Document) window(off int64, n int64) ([]byte, bool, error) {
	size := d.src.Size()
	if off < 0 || off >= size {
		return nil, false, fmt.Errorf("offset %d outside the file", off)
	}
	n = min(n, size-off)
	b, err := docio.ReadRange(d.src, docio.Range{Off: off, Len: n})
	return b, off+n == size, err
}

// parseAt parses with f on growing windows at off until the object fits.
func (d *Document) parseAt(off int64, f func(p *parser) error) (*parser, error) {
	for n := int64(4096); ; n *= 4 {
		buf, eof, err := d.window(off, n)
		if err != nil {
			return nil, err
		}
		p := &parser{buf: buf, eof: eof}
		err = f(p)
		if err == errShort && !eof && n < maxWindow {
			continue
		}
		if err == errShort {
			err = errors.New("object too large or unterminated")
		}
		return p, err
	}
}

func (d *Document) readTable(off int64) (Dict, []int, error) {
	var trailer Dict
	var free []int
	_, err := d.parseAt(off, func(p *parser) error {
		if err := p.keyword("xref"); err != nil {
			return err
		}
		// In-use entries are recorded as they are read (a retry with a larger window records the same
		// ones again, which set ignores); free ones are applied by the caller after any /XRefStm.
		free = free[:0]
		for {
			save := p.pos
			t := p.token()
			if p.pos == len(p.buf) && !p.eof {
				return errShort
			}
			if string(t) == "trailer" {
				break
			}
			start, err := strconv.Atoi(string(t))
			if err != nil {
				p.pos = save
				return fmt.Errorf("xref subsection expected at %d, found %q", off+int64(save), truncate(t))
			}
			cnt, err := strconv.Atoi(string(p.token()))
			if err != nil || start < 0 || cnt < 0 || cnt > 1<<24 || start+cnt > 1<<31-1 {
				return fmt.Errorf("bad xref subsection header at %d", off+int64(save))
			}
			for i := 0; i < cnt; i++ {
				o, g, k := p.token(), p.token(), p.token()
				if p.pos >= len(p.buf) && !p.eof {
					return errShort
				}
				ov, err1 := strconv.ParseInt(string(o), 10, 64)
				gv, err2 := strconv.Atoi(string(g))
				if err1 != nil || err2 != nil || (string(k) != "n" && string(k) != "f") {
					return fmt.Errorf("bad xref entry %d of subsection %d", i, start)
				}
				e := entry{Offset: ov, Gen: gv, Free: string(k) == "f"}
				if !e.Free && (ov <= 0 || ov >= d.src.Size()) {
					return fmt.Errorf("xref entry for object %d points outside the file", start+i)
				}
				if e.Free {
					free = append(free, start+i)
				} else {
					d.set(start+i, e)
				}
			}
		}
		o, err := p.object(0)
		if err != nil {
			return err
		}
		tr, ok := o.(Dict)
		if !ok {
			return errors.New("trailer is not a dictionary")
		}
		trailer = tr
		return nil
	})
	return trailer, free, err
}

// readXrefStream reads a cross-reference stream (§7.5.8) and returns its dictionary (the trailer).
func (d *Document) readXrefStream(off int64) (Dict, error) {
	_, obj, err := d.readIndirect(off)
	if err != nil {
		return nil, err
	}
	s, ok := obj.(*Stream)
	if !ok || s.Dict.Name("Type") != "XRef" {
		return nil, fmt.Errorf("no cross-reference table or stream at offset %d", off)
	}
	data, err := d.streamData(s)
	if err != nil {
		return nil, err
	}
	w, ok := s.Dict["W"].(Array)
	if !ok || len(w) != 3 {
		return nil, errors.New("xref stream /W missing")
	}
	var ws [3]int
	for i, v := range w {
		n, ok := v.(int64)
		if !ok || n < 0 || n > 8 {
			return nil, errors.New("xref stream /W invalid")
		}
		ws[i] = int(n)
	}
	rowLen := ws[0] + ws[1] + ws[2]
	if rowLen == 0 {
		return nil, errors.New("xref stream /W all zero")
	}
	sz, _ := s.Dict.Int("Size")
	index := Array{int64(0), sz}
	if ix, ok := s.Dict["Index"].(Array); ok {
		index = ix
	}
	if len(index)%2 != 0 {
		return nil, errors.New("xref stream /Index odd")
	}
	pos := 0
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	for i := 0; i < len(index); i += 2 {
		start, ok1 := index[i].(int64)
		cnt, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || start < 0 || cnt < 0 || start+cnt > 1<<31-1 {
			return nil, errors.New("xref stream /Index invalid")
		}
		for j := int64(0); j < cnt; j++ {
			if pos+rowLen > len(data) {
				return nil, errors.New("xref stream shorter than its /Index")
			}
			row := data[pos : pos+rowLen]
			pos += rowLen
			typ := int64(1)
			if ws[0] > 0 {
				typ = field(row[:ws[0]])
			}
			f2, f3 := field(row[ws[0]:ws[0]+ws[1]]), field(row[ws[0]+ws[1]:])
			num := int(start + j)
			switch typ {
			case 0:
			case 1:
				if f2 <= 0 || f2 >= d.src.Size() {
					return nil, fmt.Errorf("xref stream entry for object %d outside the file", num)
				}
				d.set(num, entry{Offset: f2, Gen: int(f3)})
			case 2:
				d.set(num, entry{InStream: true, Stream: int(f2), Index: int(f3)})
			}
		}
	}
	return s.Dict, nil
}

// readIndirect parses "n g obj ... endobj" at off. For streams the data is left in the file.
func (d *Document) readIndirect(off int64) (Ref, Object, error) {
	var ref Ref
	var obj Object
	_, err := d.parseAt(off, func(p *parser) error {
		var err error
		if ref, err = p.indirectHeader(); err != nil {
			return err
		}
		if obj, err = p.object(0); err != nil {
			return err
		}
		dict, isDict := obj.(Dict)
		save := p.pos
		t := p.token()
		if p.pos == len(p.buf) && !p.eof {
			return errShort
		}
		if string(t) == "stream" && isDict {
			// The keyword is followed by CRLF or LF (§7.3.8.1); tolerate a lone CR.
			if p.pos >= len(p.buf) {
				return p.short()
			}
			if p.buf[p.pos] == '\r' {
				p.pos++
			}
			if p.pos < len(p.buf) && p.buf[p.pos] == '\n' {
				p.pos++
			}
			obj = &Stream{Dict: dict, DataOff: off + int64(p.pos)}
			return nil
		}
		p.pos = save
		return nil
	})
	return ref, obj, err
}

// streamData reads and decodes a stream's data using its /Length.
func (d *Document) streamData(s *Stream) ([]byte, error) {
	raw, err := d.RawStream(s)
	if err != nil {
		return nil, err
	}
	return decode(s.Dict, raw)
}

// Object returns the current version of object num.
func (d *Document) Object(ref Ref) (Object, error) {
	if d.depth > 16 {
		return nil, errMalformed(errors.New("objects refer to each other in a loop"))
	}
	d.depth++
	defer func() { d.depth-- }()
	e, ok := d.xref[ref.Num]
	if !ok || e.Free {
		return nil, nil // a missing object is null (§7.3.10)
	}
	if e.InStream {
		return d.objectInStream(ref.Num, e)
	}
	got, obj, err := d.readIndirect(e.Offset)
	if err != nil {
		return nil, errMalformed(fmt.Errorf("object %v: %w", ref, err))
	}
	if got.Num != ref.Num {
		return nil, errXref(fmt.Errorf("xref says object %d is at %d, found %d there", ref.Num, e.Offset, got.Num))
	}
	return obj, nil
}

// objectInStream reads object num from an object stream (§7.5.7). Each object stream is decoded
// once and kept (they are small; their sum is bounded by maxDecoded each).
func (d *Document) objectInStream(num int, e entry) (Object, error) {
	os, err := d.objectStream(e.Stream)
	if err != nil {
		return nil, err
	}
	for _, x := range os.index {
		if x.num == num {
			q := &parser{buf: os.data[x.off:], eof: true}
			return q.object(0)
		}
	}
	return nil, nil
}

type decodedObjStm struct {
	data  []byte
	index []objstmEntry
}

func (d *Document) objectStream(num int) (*decodedObjStm, error) {
	if c, ok := d.objstm[num]; ok {
		if c == nil {
			return nil, errMalformed(fmt.Errorf("object stream %d unreadable", num))
		}
		return c, nil
	}
	d.objstm[num] = nil // a stream whose /Length lives inside itself fails instead of recursing
	if se, ok := d.xref[num]; !ok || se.InStream {
		return nil, errXref(fmt.Errorf("object stream %d missing", num))
	}
	o, err := d.Object(Ref{num, 0})
	if err != nil {
		return nil, err
	}
	s, ok := o.(*Stream)
	if !ok || s.Dict.Name("Type") != "ObjStm" {
		return nil, errXref(fmt.Errorf("object %d is not an object stream", num))
	}
	data, err := d.streamData(s)
	if err != nil {
		return nil, errMalformed(err)
	}
	n, _ := s.Dict.Int("N")
	first, _ := s.Dict.Int("First")
	if n < 0 || n > 1<<20 || first < 0 || first > int64(len(data)) {
		return nil, errMalformed(errors.New("object stream /N or /First invalid"))
	}
	c := &decodedObjStm{data: data[first:]}
	p := &parser{buf: data[:first], eof: true}
	for i := int64(0); i < n; i++ {
		on, err1 := strconv.Atoi(string(p.token()))
		oo, err2 := strconv.Atoi(string(p.token()))
		if err1 != nil || err2 != nil || oo < 0 || oo > len(c.data) {
			return nil, errMalformed(errors.New("object stream header invalid"))
		}
		c.index = append(c.index, objstmEntry{on, oo})
	}
	d.objstm[num] = c
	return c, nil
}

// Resolve follows references (a bounded number of times).
func (d *Document) Resolve(o Object) (Object, error) {
	for i := 0; i < 32; i++ {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = d.Object(r); err != nil {
			return nil, err
		}
	}
	return nil, errMalformed(errors.New("reference chain too long"))
}

// Dict resolves o and returns it as a dictionary (a stream's dictionary too), nil if it is not one.
func (d *Document) Dict(o Object) (Dict, error) {
	o, err := d.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case Dict:
		return v, nil
	case *Stream:
		return v.Dict, nil
	}
	return nil, nil
}

// Catalog returns the document catalog (§7.7.2).
func (d *Document) Catalog() (Dict, error) {
	c, err := d.Dict(d.Trailer["Root"])
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errMalformed(errors.New("no document catalog"))
	}
	return c, nil
}

// Changed lists the objects whose current definition differs from their definition in older (an
// earlier revision of the same file), or which older lacks.
func (d *Document) Changed(older *Document) []Ref {
	var out []Ref
	for num, e := range d.xref {
		if e.Free {
			continue
		}
		if o, ok := older.xref[num]; ok && o == e {
			continue
		}
		out = append(out, Ref{num, e.Gen})
	}
	return out
}

// Has reports whether object num is defined.
func (d *Document) Has(num int) bool {
	e, ok := d.xref[num]
	return ok && !e.Free
}

// Removed lists the objects older defines that d (a later revision of the same file) no longer does:
// freed in a later cross-reference section, or gone from a reconstructed file.
func (d *Document) Removed(older *Document) []int {
	var out []int
	for num, e := range older.xref {
		if !e.Free && !d.Has(num) {
			out = append(out, num)
		}
	}
	return out
}

// Same reports whether object num has the same cross-reference entry in d and older (so the same
// definition: an unchanged object of an earlier revision).
func (d *Document) Same(older *Document, num int) bool {
	e, ok := d.xref[num]
	o, ok2 := older.xref[num]
	return ok && ok2 && e == o && !e.Free
}

// RawStream returns a stream's data as stored (still encoded), so two revisions' streams can be compared.
func (d *Document) RawStream(s *Stream) ([]byte, error) {
	if s.Data != nil {
		return s.Data, nil
	}
	l, err := d.Resolve(s.Dict["Length"])
	if err != nil {
		return nil, err
	}
	n, ok := l.(int64)
	if !ok || n < 0 || n > maxDecoded || s.DataOff+n > d.src.Size() {
		return nil, errors.New("stream /Length invalid")
	}
	return docio.ReadRange(d.src, docio.Range{Off: s.DataOff, Len: n})
}
