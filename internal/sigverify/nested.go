package sigverify

import (
	"io"

	"github.com/ponte-it/ponte/internal/cms"
	"github.com/ponte-it/ponte/internal/docio"
)

// maxLayers bounds the nesting of .p7m envelopes verified ("matrioska": atto.pdf.p7m.p7m…).
const maxLayers = 8

// rangesSource reads the concatenation of ranges of src (the eContent of an envelope, one range per
// chunk of a BER constructed OCTET STRING) as one source, without copying it.
type rangesSource struct {
	src    docio.Source
	ranges []docio.Range
	size   int64
}

func newRangesSource(src docio.Source, ranges []docio.Range) *rangesSource {
	r := &rangesSource{src: src, ranges: ranges}
	for _, x := range ranges {
		r.size += x.Len
	}
	return r
}

func (r *rangesSource) Size() int64 { return r.size }

func (r *rangesSource) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for _, x := range r.ranges {
		if len(p) == 0 {
			break
		}
		if off >= x.Len {
			off -= x.Len
			continue
		}
		k := min(int64(len(p)), x.Len-off)
		m, err := r.src.ReadAt(p[:k], x.Off+off)
		n += m
		if err != nil && (err != io.EOF || int64(m) < k) {
			return n, err
		}
		p, off = p[k:], 0
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}

// inner verifies the document inside an enveloping .p7m when it is itself a .p7m (RFC 5652 SignedData):
// each layer is verified on its own, with its own signers, and hangs from the one that contains it.
// Past maxLayers an envelope is not verified but marks the layer TooDeep: its signatures are unknown.
func inner(rep *Report, env docio.Source, opts cms.VerifyOptions, depth int) {
	if len(rep.Content) == 0 {
		return
	}
	src := newRangesSource(env, rep.Content)
	head, err := docio.ReadRange(src, docio.Range{Len: min(src.Size(), 1)})
	if err != nil || len(head) == 0 || head[0] != 0x30 { // a DER/BER SEQUENCE: a ContentInfo may start here
		return
	}
	sd, err := cms.ParseSource(src)
	if err != nil || sd.Detached {
		return
	}
	if depth >= maxLayers {
		rep.TooDeep = true
		return
	}
	in, err := p7m(src, sd, nil, opts)
	if err != nil {
		return
	}
	in.Envelope = src
	rep.Inner = in
	inner(in, src, opts, depth+1)
}

// Layers is the report and every nested envelope's, outermost first.
func (r *Report) Layers() []*Report {
	var out []*Report
	for l := r; l != nil; l = l.Inner {
		out = append(out, l)
	}
	return out
}
