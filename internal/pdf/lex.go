package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// errShort means the buffer ended inside an object: the caller reads a larger window and retries.
var errShort = errors.New("pdf: object runs past the buffer")

// maxNesting bounds array/dictionary nesting (§C.2 suggests 28 as an implementation limit).
const maxNesting = 64

func isSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// parser reads objects from an in-memory window of the file (§7.2 lexical conventions).
type parser struct {
	buf []byte
	pos int
	eof bool // buf ends at the end of the file: running out is a syntax error, not errShort
}

func (p *parser) short() error {
	if p.eof {
		return fmt.Errorf("pdf: unexpected end of file")
	}
	return errShort
}

// skip skips whitespace and comments.
func (p *parser) skip() {
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		if isSpace(c) {
			p.pos++
			continue
		}
		if c == '%' {
			for p.pos < len(p.buf) && p.buf[p.pos] != '\n' && p.buf[p.pos] != '\r' {
				p.pos++
			}
			continue
		}
		return
	}
}

// token returns the next regular token (a keyword or number), without consuming delimiters.
func (p *parser) token() []byte {
	p.skip()
	start := p.pos
	for p.pos < len(p.buf) && !isSpace(p.buf[p.pos]) && !isDelim(p.buf[p.pos]) {
		p.pos++
	}
	return p.buf[start:p.pos]
}

// keyword expects the keyword kw next.
func (p *parser) keyword(kw string) error {
	save := p.pos
	t := p.token()
	if p.pos == len(p.buf) && !p.eof {
		return errShort
	}
	if string(t) != kw {
		p.pos = save
		return fmt.Errorf("pdf: expected %q at %d, found %q", kw, save, truncate(t))
	}
	return nil
}

func truncate(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return string(b)
}

// object parses one direct object, or an indirect reference "n g R".
func (p *parser) object(depth int) (Object, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("pdf: nesting deeper than %d", maxNesting)
	}
	p.skip()
	if p.pos >= len(p.buf) {
		return nil, p.short()
	}
	switch c := p.buf[p.pos]; c {
	case '/':
		return p.name()
	case '(':
		return p.literal()
	case '<':
		if p.pos+1 >= len(p.buf) {
			return nil, p.short()
		}
		if p.buf[p.pos+1] == '<' {
			return p.dict(depth)
		}
		return p.hex()
	case '[':
		p.pos++
		var a Array
		for {
			p.skip()
			if p.pos >= len(p.buf) {
				return nil, p.short()
			}
			if p.buf[p.pos] == ']' {
				p.pos++
				return a, nil
			}
			o, err := p.object(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, o)
		}
	case ')', '>', ']', '{', '}':
		return nil, fmt.Errorf("pdf: unexpected %q at %d", c, p.pos)
	}
	start := p.pos
	t := p.token()
	if p.pos == len(p.buf) && !p.eof {
		return nil, errShort
	}
	switch string(t) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	case "":
		return nil, fmt.Errorf("pdf: unexpected byte %q at %d", p.buf[p.pos], p.pos)
	}
	if n, err := strconv.ParseInt(string(t), 10, 64); err == nil {
		// Look ahead for "g R" (§7.3.10).
		save := p.pos
		g := p.token()
		if p.pos == len(p.buf) && !p.eof {
			return nil, errShort
		}
		if gen, err := strconv.Atoi(string(g)); err == nil && gen >= 0 && gen <= 65535 {
			r := p.token()
			if p.pos == len(p.buf) && !p.eof {
				return nil, errShort
			}
			if string(r) == "R" && n >= 0 && n < 1<<31 {
				return Ref{int(n), gen}, nil
			}
		}
		p.pos = save
		return n, nil
	}
	if f, err := strconv.ParseFloat(string(t), 64); err == nil && !bytes.ContainsAny(t, "eEnNxX") {
		return f, nil
	}
	return nil, fmt.Errorf("pdf: unknown token %q at %d", truncate(t), start)
}

func (p *parser) name() (Object, error) {
	p.pos++
	var out []byte
	for p.pos < len(p.buf) && !isSpace(p.buf[p.pos]) && !isDelim(p.buf[p.pos]) {
		c := p.buf[p.pos]
		if c == '#' && p.pos+2 < len(p.buf) {
			if v, err := strconv.ParseUint(string(p.buf[p.pos+1:p.pos+3]), 16, 8); err == nil {
				out = append(out, byte(v))
				p.pos += 3
				continue
			}
		}
		out = append(out, c)
		p.pos++
	}
	if p.pos == len(p.buf) && !p.eof {
		return nil, errShort
	}
	return Name(out), nil
}

// literal parses a (string) with balanced parentheses and escapes (§7.3.4.2).
func (p *parser) literal() (Object, error) {
	p.pos++
	var out []byte
	depth := 1
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		p.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return String{Bytes: out}, nil
			}
		case '\\':
			if p.pos >= len(p.buf) {
				return nil, p.short()
			}
			e := p.buf[p.pos]
			p.pos++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if p.pos < len(p.buf) && p.buf[p.pos] == '\n' {
					p.pos++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && p.pos < len(p.buf) && p.buf[p.pos] >= '0' && p.buf[p.pos] <= '7'; i++ {
						v = v*8 + int(p.buf[p.pos]-'0')
						p.pos++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, p.short()
}

// hex parses a <hex string> (§7.3.4.3); an odd final digit counts as followed by 0.
func (p *parser) hex() (Object, error) {
	p.pos++
	var out []byte
	var hi byte
	half := false
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		p.pos++
		var v byte
		switch {
		case c == '>':
			if half {
				out = append(out, hi<<4)
			}
			return String{Bytes: out, Hex: true}, nil
		case isSpace(c):
			continue
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return nil, fmt.Errorf("pdf: bad hex digit %q at %d", c, p.pos-1)
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	return nil, p.short()
}

func (p *parser) dict(depth int) (Object, error) {
	p.pos += 2
	d := Dict{}
	for {
		p.skip()
		if p.pos+1 >= len(p.buf) {
			return nil, p.short()
		}
		if p.buf[p.pos] == '>' && p.buf[p.pos+1] == '>' {
			p.pos += 2
			return d, nil
		}
		if p.buf[p.pos] != '/' {
			return nil, fmt.Errorf("pdf: dictionary key expected at %d", p.pos)
		}
		k, err := p.name()
		if err != nil {
			return nil, err
		}
		v, err := p.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if v != nil { // a null value is the same as an absent key (§7.3.7)
			d[k.(Name)] = v
		}
		if len(d) > 1<<16 {
			return nil, errors.New("pdf: dictionary too large")
		}
	}
}

// indirectHeader parses "n g obj".
func (p *parser) indirectHeader() (Ref, error) {
	var nums [2]int
	for i := range nums {
		t := p.token()
		if p.pos == len(p.buf) && !p.eof {
			return Ref{}, errShort
		}
		v, err := strconv.Atoi(string(t))
		if err != nil || v < 0 {
			return Ref{}, fmt.Errorf("pdf: object header expected, found %q", truncate(t))
		}
		nums[i] = v
	}
	if err := p.keyword("obj"); err != nil {
		return Ref{}, err
	}
	return Ref{nums[0], nums[1]}, nil
}
