package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/ponte-it/ponte/internal/docio"
)

// Update is an incremental update (§7.5.6): new and replaced objects appended after the original bytes,
// which are never changed, with a cross-reference section in the document's own style chained by /Prev.
type Update struct {
	d    *Document
	next int
	objs []pendingObj
}

type pendingObj struct {
	ref  Ref
	body []byte // between "obj" and "endobj"
}

// NewUpdate starts an update; new objects get numbers from the trailer /Size on.
func (d *Document) NewUpdate() *Update { return &Update{d: d, next: d.size} }

// Alloc reserves a new object number.
func (u *Update) Alloc() Ref {
	r := Ref{u.next, 0}
	u.next++
	return r
}

// Set writes o as object ref (new, or a new version of an existing object).
func (u *Update) Set(ref Ref, o Object) { u.SetRaw(ref, Serialize(o)) }

// SetRaw writes body as object ref's content.
func (u *Update) SetRaw(ref Ref, body []byte) {
	for i := range u.objs {
		if u.objs[i].ref == ref {
			u.objs[i].body = body
			return
		}
	}
	u.objs = append(u.objs, pendingObj{ref, body})
}

// SetStream writes a stream object with unfiltered data.
func (u *Update) SetStream(ref Ref, dict Dict, data []byte) {
	dict = dict.Clone()
	dict["Length"] = int64(len(data))
	body := append(Serialize(dict), "\nstream\n"...)
	body = append(body, data...)
	u.SetRaw(ref, append(body, "\nendstream"...))
}

// Tail is a built update: Bytes follow the original file; Offsets gives where each object's body (just
// after "obj\n") lies within Bytes.
type Tail struct {
	Bytes   []byte
	Base    int64 // the original size: Bytes start at this offset of the signed file
	Offsets map[Ref]int
}

// Build serializes the update.
func (u *Update) Build() (*Tail, error) {
	if u.d.Repaired {
		return nil, errXref(errors.New("a reconstructed document cannot be updated"))
	}
	base := u.d.src.Size()
	last, err := docio.ReadRange(u.d.src, docio.Range{Off: base - 1, Len: 1})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if last[0] != '\n' && last[0] != '\r' {
		b.WriteByte('\n')
	}
	t := &Tail{Base: base, Offsets: map[Ref]int{}}
	offsets := map[int]int64{}
	objs := append([]pendingObj(nil), u.objs...)
	sort.Slice(objs, func(i, j int) bool { return objs[i].ref.Num < objs[j].ref.Num })
	for _, o := range objs {
		offsets[o.ref.Num] = base + int64(b.Len())
		fmt.Fprintf(&b, "%d %d obj\n", o.ref.Num, o.ref.Gen)
		t.Offsets[o.ref] = b.Len()
		b.Write(o.body)
		b.WriteString("\nendobj\n")
	}
	size := u.next
	trailer := Dict{"Size": int64(size), "Prev": u.d.StartXref}
	for _, k := range []Name{"Root", "Info", "ID"} {
		if v, ok := u.d.Trailer[k]; ok {
			trailer[k] = v
		}
	}
	xrefOff := base + int64(b.Len())
	switch u.d.Style {
	case XrefTable:
		writeTable(&b, objs, offsets)
		b.WriteString("trailer\n")
		b.Write(Serialize(trailer))
		b.WriteString("\n")
	case XrefStream:
		// The stream lists itself (§7.5.8.3) with its own offset.
		self := Ref{size, 0}
		trailer["Size"] = int64(size + 1)
		offsets[self.Num] = xrefOff
		objs = append(objs, pendingObj{ref: self})
		writeXrefStream(&b, self, objs, offsets, trailer, xrefOff)
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", xrefOff)
	t.Bytes = b.Bytes()
	return t, nil
}

// runs groups sorted object numbers into consecutive subsections.
func runs(objs []pendingObj) [][2]int {
	var out [][2]int
	for _, o := range objs {
		if n := len(out); n > 0 && out[n-1][0]+out[n-1][1] == o.ref.Num {
			out[n-1][1]++
			continue
		}
		out = append(out, [2]int{o.ref.Num, 1})
	}
	return out
}

// writeTable writes a classic section (§7.5.4): 20-byte entries ending in CRLF.
func writeTable(b *bytes.Buffer, objs []pendingObj, offsets map[int]int64) {
	b.WriteString("xref\n")
	i := 0
	for _, r := range runs(objs) {
		fmt.Fprintf(b, "%d %d\n", r[0], r[1])
		for k := 0; k < r[1]; k++ {
			fmt.Fprintf(b, "%010d %05d n\r\n", offsets[objs[i].ref.Num], objs[i].ref.Gen)
			i++
		}
	}
}

// writeXrefStream writes a cross-reference stream (§7.5.8) with type-1 entries, unfiltered.
func writeXrefStream(b *bytes.Buffer, self Ref, objs []pendingObj, offsets map[int]int64, trailer Dict, selfOff int64) {
	w := 1
	for v := selfOff; v > 0xff; v >>= 8 {
		w++
	}
	var data []byte
	var index Array
	for _, r := range runs(objs) {
		index = append(index, int64(r[0]), int64(r[1]))
	}
	for _, o := range objs {
		data = append(data, 1)
		off := offsets[o.ref.Num]
		for k := w - 1; k >= 0; k-- {
			data = append(data, byte(off>>(8*k)))
		}
		data = append(data, byte(o.ref.Gen>>8), byte(o.ref.Gen))
	}
	d := trailer.Clone()
	d["Type"] = Name("XRef")
	d["W"] = Array{int64(1), int64(w), int64(2)}
	d["Index"] = index
	d["Length"] = int64(len(data))
	b.WriteString(strconv.Itoa(self.Num) + " 0 obj\n")
	b.Write(Serialize(d))
	b.WriteString("\nstream\n")
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
}
