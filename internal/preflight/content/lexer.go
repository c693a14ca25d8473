package content

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// maxNesting bounds arrays and dictionaries inside operands, so that a
// hostile stream of "[[[[…" cannot exhaust the stack.
const maxNesting = 64

// ErrSyntax reports a content stream that cannot be tokenised.
var ErrSyntax = errors.New("content stream syntax error")

// Lexer splits a content stream into operands and operators.
type Lexer struct {
	buf    []byte
	pos    int
	inline []byte // data of the last inline image, when unfiltered
}

// NewLexer returns a Lexer over buf. buf is not copied.
func NewLexer(buf []byte) *Lexer { return &Lexer{buf: buf} }

// Pos returns the current byte offset, for error messages.
func (l *Lexer) Pos() int { return l.pos }

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *Lexer) skipSpace() {
	for l.pos < len(l.buf) {
		c := l.buf[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for l.pos < len(l.buf) && l.buf[l.pos] != '\n' && l.buf[l.pos] != '\r' {
				l.pos++
			}
			continue
		}
		return
	}
}

// keyword is an operator or a bare word such as true, false or null.
type keyword string

// Next returns the next token: an operand Object, or an operator as its
// name with isOp true. At the end of the stream it returns ok false.
func (l *Lexer) Next() (tok Object, op string, isOp bool, ok bool, err error) {
	l.skipSpace()
	if l.pos >= len(l.buf) {
		return nil, "", false, false, nil
	}
	o, err := l.object(0)
	if err != nil {
		return nil, "", false, true, err
	}
	if k, isKw := o.(keyword); isKw {
		switch k {
		case "true":
			return true, "", false, true, nil
		case "false":
			return false, "", false, true, nil
		case "null":
			return nil, "", false, true, nil
		}
		return nil, string(k), true, true, nil
	}
	return o, "", false, true, nil
}

func (l *Lexer) object(depth int) (Object, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("%w: nesting deeper than %d at byte %d", ErrSyntax, maxNesting, l.pos)
	}
	c := l.buf[l.pos]
	switch {
	case c == '/':
		return l.name(), nil
	case c == '(':
		return l.literal()
	case c == '<' && l.pos+1 < len(l.buf) && l.buf[l.pos+1] == '<':
		l.pos += 2
		return l.dict(depth)
	case c == '<':
		return l.hex()
	case c == '[':
		l.pos++
		return l.array(depth)
	case c == ']' || c == ')' || c == '>' || c == '{' || c == '}':
		// Stray delimiters are skipped as viewers do; report them as an
		// unknown operator so the interpreter ignores them.
		l.pos++
		return keyword(string(c)), nil
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return l.number(), nil
	}
	return l.word(), nil
}

func (l *Lexer) word() keyword {
	start := l.pos
	for l.pos < len(l.buf) && !isWhite(l.buf[l.pos]) && !isDelim(l.buf[l.pos]) {
		l.pos++
	}
	if l.pos == start { // a lone delimiter we do not handle: consume it
		l.pos++
	}
	return keyword(l.buf[start:l.pos])
}

func (l *Lexer) number() Object {
	start := l.pos
	for l.pos < len(l.buf) && !isWhite(l.buf[l.pos]) && !isDelim(l.buf[l.pos]) {
		l.pos++
	}
	s := string(l.buf[start:l.pos])
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f
	}
	// Producers write oddities such as "--5" or "5-"; keep the sign and
	// digits, as Acrobat does, rather than failing the whole stream.
	neg := false
	var b []byte
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '-' && len(b) == 0:
			neg = true
		case ch == '.' || (ch >= '0' && ch <= '9'):
			b = append(b, ch)
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return keyword(s)
	}
	if neg {
		f = -f
	}
	return f
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *Lexer) name() Name {
	l.pos++ // '/'
	var b []byte
	for l.pos < len(l.buf) && !isWhite(l.buf[l.pos]) && !isDelim(l.buf[l.pos]) {
		c := l.buf[l.pos]
		if c == '#' && l.pos+2 < len(l.buf) {
			h, ok1 := unhex(l.buf[l.pos+1])
			lo, ok2 := unhex(l.buf[l.pos+2])
			if ok1 && ok2 {
				b = append(b, h<<4|lo)
				l.pos += 3
				continue
			}
		}
		b = append(b, c)
		l.pos++
	}
	return Name(b)
}

func (l *Lexer) hex() (Object, error) {
	l.pos++ // '<'
	var b []byte
	var hi byte
	half := false
	for l.pos < len(l.buf) {
		c := l.buf[l.pos]
		l.pos++
		if c == '>' {
			if half {
				b = append(b, hi<<4)
			}
			return String(b), nil
		}
		v, ok := unhex(c)
		if !ok {
			continue // whitespace and junk are ignored inside hex strings
		}
		if half {
			b = append(b, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	return nil, fmt.Errorf("%w: unterminated hex string", ErrSyntax)
}

var literalEscapes = map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f', '(': '(', ')': ')', '\\': '\\'}

func (l *Lexer) literal() (Object, error) {
	l.pos++ // '('
	var b []byte
	depth := 1
	for l.pos < len(l.buf) {
		c := l.buf[l.pos]
		l.pos++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return String(b), nil
			}
		case '\\':
			if l.pos >= len(l.buf) {
				continue
			}
			e := l.buf[l.pos]
			l.pos++
			if r, ok := literalEscapes[e]; ok {
				b = append(b, r)
				continue
			}
			if e >= '0' && e <= '7' {
				v := int(e - '0')
				for i := 0; i < 2 && l.pos < len(l.buf) && l.buf[l.pos] >= '0' && l.buf[l.pos] <= '7'; i++ {
					v = v*8 + int(l.buf[l.pos]-'0')
					l.pos++
				}
				b = append(b, byte(v))
				continue
			}
			if e == '\r' && l.pos < len(l.buf) && l.buf[l.pos] == '\n' {
				l.pos++
			}
			if e == '\r' || e == '\n' {
				continue // line continuation
			}
			b = append(b, e)
			continue
		}
		b = append(b, c)
	}
	return nil, fmt.Errorf("%w: unterminated string", ErrSyntax)
}

func (l *Lexer) array(depth int) (Object, error) {
	var a Array
	for {
		l.skipSpace()
		if l.pos >= len(l.buf) {
			return nil, fmt.Errorf("%w: unterminated array", ErrSyntax)
		}
		if l.buf[l.pos] == ']' {
			l.pos++
			return a, nil
		}
		o, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, bareWord(o))
	}
}

func (l *Lexer) dict(depth int) (Object, error) {
	d := Dict{}
	for {
		l.skipSpace()
		if l.pos >= len(l.buf) {
			return nil, fmt.Errorf("%w: unterminated dictionary", ErrSyntax)
		}
		if bytes.HasPrefix(l.buf[l.pos:], []byte(">>")) {
			l.pos += 2
			return d, nil
		}
		k, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(Name)
		if !ok {
			continue // tolerate junk keys
		}
		l.skipSpace()
		if l.pos >= len(l.buf) {
			return nil, fmt.Errorf("%w: unterminated dictionary", ErrSyntax)
		}
		v, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		d[key] = bareWord(v)
	}
}

// bareWord turns the keywords true, false and null inside arrays and
// dictionaries into their values; other words are kept as names so that
// inline-image abbreviations such as /CS /RGB survive either spelling.
func bareWord(o Object) Object {
	k, ok := o.(keyword)
	if !ok {
		return o
	}
	switch k {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	return Name(k)
}

// InlineImage reads the dictionary and data of an inline image, positioned
// just after the BI operator. It returns the dictionary; the data is skipped.
func (l *Lexer) InlineImage() (Dict, error) {
	d := Dict{}
	for {
		l.skipSpace()
		if l.pos >= len(l.buf) {
			return nil, fmt.Errorf("%w: inline image without ID", ErrSyntax)
		}
		if bytes.HasPrefix(l.buf[l.pos:], []byte("ID")) &&
			(l.pos+2 >= len(l.buf) || isWhite(l.buf[l.pos+2])) {
			l.pos += 3 // "ID" and the single white-space byte after it
			break
		}
		k, err := l.object(1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(Name)
		if !ok {
			continue
		}
		l.skipSpace()
		if l.pos >= len(l.buf) {
			return nil, fmt.Errorf("%w: inline image without ID", ErrSyntax)
		}
		v, err := l.object(1)
		if err != nil {
			return nil, err
		}
		d[key] = bareWord(v)
	}
	l.skipInlineData(d)
	return d, nil
}

// skipInlineData moves past the image data and the EI operator. The data
// length is known only for unfiltered images; otherwise EI is searched for
// between white space, as every viewer does.
func (l *Lexer) skipInlineData(d Dict) {
	start, unfiltered := l.pos, d.get("F", "Filter") == nil
	l.inline = nil
	if n := inlineDataLength(d); n > 0 && l.pos+n <= len(l.buf) {
		end := l.pos + n
		rest := l.buf[end:]
		trimmed := bytes.TrimLeft(rest, " \t\r\n\f\x00")
		if bytes.HasPrefix(trimmed, []byte("EI")) {
			l.pos = len(l.buf) - len(trimmed) + 2
			if unfiltered {
				l.inline = l.buf[start:end]
			}
			return
		}
	}
	for i := l.pos; i+1 < len(l.buf); i++ {
		if l.buf[i] == 'E' && l.buf[i+1] == 'I' && (i == 0 || isWhite(l.buf[i-1])) &&
			(i+2 == len(l.buf) || isWhite(l.buf[i+2]) || isDelim(l.buf[i+2])) {
			l.pos = i + 2
			if unfiltered && i > start {
				l.inline = l.buf[start : i-1]
			}
			return
		}
	}
	l.pos = len(l.buf)
}

// InlineData returns the data of the inline image read last when it is
// unfiltered, else nil. It shares the content buffer.
func (l *Lexer) InlineData() []byte { return l.inline }

// inlineDataLength returns the byte length of unfiltered inline image data,
// or 0 when it cannot be known from the dictionary alone.
func inlineDataLength(d Dict) int {
	if d.get("F", "Filter") != nil {
		return 0
	}
	w, _ := Number(d.get("W", "Width"))
	h, _ := Number(d.get("H", "Height"))
	bpc, ok := Number(d.get("BPC", "BitsPerComponent"))
	if !ok {
		bpc = 1
	}
	comps := 1.0
	if m, _ := d.get("IM", "ImageMask").(bool); !m {
		switch cs := d.get("CS", "ColorSpace").(type) {
		case Name:
			switch cs {
			case "RGB", "DeviceRGB", "CalRGB":
				comps = 3
			case "CMYK", "DeviceCMYK":
				comps = 4
			case "G", "DeviceGray", "CalGray", "I", "Indexed":
			default:
				return 0
			}
		case Array:
			if len(cs) > 0 && (cs[0] == Name("I") || cs[0] == Name("Indexed")) {
				comps = 1
			} else {
				return 0
			}
		default:
			return 0
		}
	} else {
		bpc = 1
	}
	if w <= 0 || h <= 0 || w*h > 1<<26 {
		return 0
	}
	rowBytes := (int(w)*int(comps)*int(bpc) + 7) / 8
	return rowBytes * int(h)
}

// get returns the value under the abbreviated or the full key.
func (d Dict) get(short, long string) Object {
	if v, ok := d[Name(short)]; ok {
		return v
	}
	return d[Name(long)]
}
