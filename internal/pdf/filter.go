package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// maxDecoded bounds a decoded xref or object stream (decompression bombs).
const maxDecoded = 64 << 20

// decode applies the stream's filters; only FlateDecode with PNG/TIFF predictors (§7.4.4) is needed for
// cross-reference and object streams.
func decode(d Dict, data []byte) ([]byte, error) {
	var filters []Object
	switch f := d["Filter"].(type) {
	case nil:
	case Name:
		filters = []Object{f}
	case Array:
		filters = f
	default:
		return nil, errors.New("pdf: bad /Filter")
	}
	var parms []Object
	switch p := d["DecodeParms"].(type) {
	case Dict:
		parms = []Object{p}
	case Array:
		parms = p
	}
	for i, f := range filters {
		if f != Name("FlateDecode") && f != Name("Fl") {
			return nil, fmt.Errorf("pdf: filter %v not supported here", f)
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("pdf: flate: %w", err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("pdf: flate: %w", err)
		}
		if len(out) > maxDecoded {
			return nil, errors.New("pdf: decoded stream too large")
		}
		data = out
		if i < len(parms) {
			if pd, ok := parms[i].(Dict); ok {
				if data, err = unpredict(pd, data); err != nil {
					return nil, err
				}
			}
		}
	}
	return data, nil
}

// unpredict reverses PNG predictors (§7.4.4.4, RFC 2083 §6); TIFF predictor 2 is not used by xref streams.
func unpredict(p Dict, data []byte) ([]byte, error) {
	pred, _ := p.Int("Predictor")
	if pred < 10 {
		if pred > 1 {
			return nil, fmt.Errorf("pdf: predictor %d not supported", pred)
		}
		return data, nil
	}
	cols, ok := p.Int("Columns")
	if !ok {
		cols = 1
	}
	colors, ok := p.Int("Colors")
	if !ok {
		colors = 1
	}
	bpc, ok := p.Int("BitsPerComponent")
	if !ok {
		bpc = 8
	}
	if cols <= 0 || cols > 1<<16 || colors <= 0 || colors > 32 || bpc <= 0 || bpc > 16 {
		return nil, errors.New("pdf: bad predictor parameters")
	}
	bpp := int((colors*bpc + 7) / 8)
	row := int((cols*colors*bpc + 7) / 8)
	var out []byte
	prev := make([]byte, row)
	for len(data) > 0 {
		if len(data) < row+1 {
			return nil, errors.New("pdf: truncated predictor row")
		}
		typ, cur := data[0], append([]byte(nil), data[1:row+1]...)
		data = data[row+1:]
		for i := range cur {
			var a, b, c byte
			if i >= bpp {
				a, c = cur[i-bpp], prev[i-bpp]
			}
			b = prev[i]
			switch typ {
			case 0:
			case 1:
				cur[i] += a
			case 2:
				cur[i] += b
			case 3:
				cur[i] += byte((int(a) + int(b)) / 2)
			case 4:
				cur[i] += paeth(a, b, c)
			default:
				return nil, fmt.Errorf("pdf: PNG filter type %d", typ)
			}
		}
		out = append(out, cur...)
		prev = cur
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
