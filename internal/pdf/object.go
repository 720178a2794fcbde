// Package pdf reads PDF files enough to sign and verify them (ISO 32000-1 §7: syntax, cross-reference
// tables and streams, object streams, incremental updates) from a random-access source without loading
// the file, and writes incremental updates in the file's own cross-reference style (§7.5.6).
package pdf

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Object is a PDF object (§7.3): nil (null), bool, int64, float64, Name, String, Array, Dict, Ref or
// *Stream.
type Object any

// Name is a name object without the slash, #xx escapes decoded (§7.3.5).
type Name string

// String is a string object's bytes (§7.3.4); Hex records the written form.
type String struct {
	Bytes []byte
	Hex   bool
}

// Array is an array object (§7.3.6).
type Array []Object

// Dict is a dictionary object (§7.3.7).
type Dict map[Name]Object

// Ref is an indirect reference (§7.3.10).
type Ref struct{ Num, Gen int }

func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Stream is a stream object (§7.3.8): its dictionary and where its data lies in the file.
type Stream struct {
	Dict    Dict
	DataOff int64
	Data    []byte // set for streams taken from an object stream's parent or built in memory
}

// Get returns d[k] or nil.
func (d Dict) Get(k Name) Object { return d[k] }

// Clone is a shallow copy.
func (d Dict) Clone() Dict {
	c := make(Dict, len(d))
	for k, v := range d {
		c[k] = v
	}
	return c
}

// Name returns d[k] as a name, "" when absent or not a name.
func (d Dict) Name(k Name) Name {
	n, _ := d[k].(Name)
	return n
}

// Int returns d[k] as an integer.
func (d Dict) Int(k Name) (int64, bool) {
	v, ok := d[k].(int64)
	return v, ok
}

// Serialize writes an object in PDF syntax.
func Serialize(o Object) []byte {
	var b strings.Builder
	write(&b, o)
	return []byte(b.String())
}

func write(b *strings.Builder, o Object) {
	switch v := o.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0" // stays a real when read back
		}
		b.WriteString(s)
	case Name:
		writeName(b, v)
	case String:
		writeString(b, v)
	case Array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			write(b, e)
		}
		b.WriteByte(']')
	case Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		b.WriteString("<<")
		for _, k := range keys {
			writeName(b, Name(k))
			b.WriteByte(' ')
			write(b, v[Name(k)])
		}
		b.WriteString(">>")
	case Ref:
		b.WriteString(v.String())
	case *Stream:
		write(b, v.Dict) // stream data is written by the update writer
	default:
		panic(fmt.Sprintf("pdf: cannot serialize %T", o))
	}
}

// writeName escapes delimiters, whitespace, '#' and bytes outside 0x21–0x7e (§7.3.5).
func writeName(b *strings.Builder, n Name) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(c) {
			fmt.Fprintf(b, "#%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
}

func writeString(b *strings.Builder, s String) {
	if s.Hex {
		fmt.Fprintf(b, "<%X>", s.Bytes)
		return
	}
	b.WriteByte('(')
	for _, c := range s.Bytes {
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
}
