package content

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxNesting bounds arrays and dictionaries inside operands, so that a
// hostile stream of "[[[[…" cannot exhaust the stack.
const maxNesting = 64

// Bounds on what one token may hold, so that a stream of any size costs
// the lexer its window and no more: content streams hold short strings
// and small arrays (a TJ array kerns one line of text), and inline images
// should be under 4 KB (PDF 32000 8.9.7).
const (
	window         = 32 << 10 // bytes read from the stream at a time
	maxToken       = 1 << 20  // bytes in a string, name, number or word
	maxElements    = 1 << 16  // elements in an array or dictionary
	maxInlineImage = 4 << 20  // bytes of inline image data kept for the ink check
)

// ErrSyntax reports a content stream that cannot be tokenised.
var ErrSyntax = errors.New("content stream syntax error")

// Lexer splits a content stream into operands and operators. It reads the
// stream through a window of its own, so that a stream of any length costs
// the window: a decompression bomb is read and counted by the reader
// beneath, never held.
type Lexer struct {
	r        io.Reader
	buf      []byte // the window; buf[pos:end] is read and not yet consumed
	pos, end int
	off      int64  // the stream offset of buf[0]
	err      error  // why the reader stopped (io.EOF at the end of the stream)
	tok      []byte // the token being read
	inline   []byte // data of the last inline image, when unfiltered
	kept     bool   // inline holds that data
	tooBig   bool   // the data was larger than maxInlineImage
}

// NewLexer returns a Lexer over r.
func NewLexer(r io.Reader) *Lexer {
	l := &Lexer{buf: make([]byte, window)}
	l.Reset(r)
	return l
}

// Reset makes the lexer read r from its start, keeping its buffers: a form
// drawn a million times does not allocate a million windows.
func (l *Lexer) Reset(r io.Reader) {
	l.r, l.pos, l.end, l.off, l.err, l.kept = r, 0, 0, 0, nil, false
}

// Pos returns the current byte offset, for error messages.
func (l *Lexer) Pos() int64 { return l.off + int64(l.pos) }

// more makes at least n bytes (n at most the window) available at pos,
// unless the stream ends first, and reports whether they are.
func (l *Lexer) more(n int) bool {
	n = min(n, len(l.buf))
	if l.end-l.pos >= n {
		return true
	}
	if l.pos > 0 {
		copy(l.buf, l.buf[l.pos:l.end])
		l.off += int64(l.pos)
		l.end -= l.pos
		l.pos = 0
	}
	for empty := 0; l.end < n && l.err == nil; {
		m, err := l.r.Read(l.buf[l.end:])
		l.end += m
		switch {
		case err != nil:
			l.err = err
		case m > 0:
			empty = 0
		case empty > 100: // as bufio gives up on a reader that returns nothing
			l.err = io.ErrNoProgress
		default:
			empty++
		}
	}
	return l.end-l.pos >= n
}

// peek returns the next byte, or ok false at the end of the stream.
func (l *Lexer) peek() (c byte, ok bool) {
	if l.pos < l.end || l.more(1) {
		return l.buf[l.pos], true
	}
	return 0, false
}

// readErr is the reader's error when it failed, rather than ended: it
// wins over the syntax error its end would otherwise be.
func (l *Lexer) readErr() error {
	if l.err == nil || l.err == io.EOF {
		return nil
	}
	return l.err
}

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
	for l.pos < l.end || l.more(1) {
		c := l.buf[l.pos]
		if isWhite(c) {
			l.pos++
			continue
		}
		if c != '%' {
			return
		}
		for l.pos < l.end || l.more(1) {
			if c := l.buf[l.pos]; c == '\n' || c == '\r' {
				break
			}
			l.pos++
		}
	}
}

// keyword is an operator or a bare word such as true, false or null.
type keyword string

// Next returns the next token: an operand Object, or an operator as its
// name with isOp true. At the end of the stream it returns ok false. A
// failure of the reader beneath is returned as it is; ErrSyntax marks
// what cannot be tokenised.
func (l *Lexer) Next() (tok Object, op string, isOp bool, ok bool, err error) {
	l.skipSpace()
	if _, more := l.peek(); !more {
		return nil, "", false, false, l.readErr()
	}
	o, err := l.object(0)
	if rerr := l.readErr(); rerr != nil {
		return nil, "", false, true, rerr
	}
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

// startsWith reports whether the unread bytes start with s.
func (l *Lexer) startsWith(s string) bool {
	return l.more(len(s)) && string(l.buf[l.pos:l.pos+len(s)]) == s
}

func (l *Lexer) object(depth int) (Object, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("%w: nesting deeper than %d at byte %d", ErrSyntax, maxNesting, l.Pos())
	}
	c := l.buf[l.pos]
	switch {
	case c == '/':
		return l.name()
	case c == '(':
		return l.literal()
	case c == '<' && l.startsWith("<<"):
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
		return l.number()
	}
	return l.word()
}

// regular reads a run of regular characters (neither white space nor a
// delimiter) into l.tok, a window at a time.
func (l *Lexer) regular() ([]byte, error) {
	l.tok = l.tok[:0]
	for l.pos < l.end || l.more(1) {
		i := l.pos
		for i < l.end && !special[l.buf[i]] {
			i++
		}
		l.tok = append(l.tok, l.buf[l.pos:i]...)
		l.pos = i
		if len(l.tok) > maxToken {
			return nil, fmt.Errorf("%w: a token longer than %d bytes at byte %d", ErrSyntax, maxToken, l.Pos())
		}
		if i < l.end {
			break
		}
	}
	return l.tok, nil
}

// special marks the bytes that end a regular token: white space and
// delimiters.
var special = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isWhite(byte(c)) || isDelim(byte(c))
	}
	return t
}()

// operators are the words content streams use, as Objects made once, so
// that reading one does not allocate.
var operators = func() map[string]Object {
	m := map[string]Object{}
	for _, op := range strings.Fields(`b B b* B* BDC BI BMC BT BX c cm CS cs d d0 d1 Do DP EI EMC ET EX f F f* G g gs h i ID j J K k
		l m M MP n q Q re RG rg ri s S SC sc SCN scn sh T* Tc Td TD Tf TJ Tj TL Tm Tr Ts Tw Tz v w W W* y ' " true false null`) {
		m[op] = keyword(op)
	}
	return m
}()

func (l *Lexer) word() (Object, error) {
	b, err := l.regular()
	if err != nil {
		return nil, err
	}
	if len(b) == 0 { // a lone delimiter we do not handle: consume it
		c := l.buf[l.pos]
		l.pos++
		return keyword(string(c)), nil
	}
	if k, ok := operators[string(b)]; ok {
		return k, nil
	}
	return keyword(b), nil
}

func (l *Lexer) number() (Object, error) {
	b, err := l.regular()
	if err != nil {
		return nil, err
	}
	if f, ok := decimal(b); ok {
		return numberObject(f), nil
	}
	s := string(b)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	// Producers write oddities such as "--5" or "5-"; keep the sign and
	// digits, as Acrobat does, rather than failing the whole stream.
	neg := false
	var d []byte
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '-' && len(d) == 0:
			neg = true
		case ch == '.' || (ch >= '0' && ch <= '9'):
			d = append(d, ch)
		}
	}
	f, err := strconv.ParseFloat(string(d), 64)
	if err != nil {
		return keyword(s), nil
	}
	if neg {
		f = -f
	}
	return f, nil
}

// decimal parses the numbers content streams are made of ("12", "-0.5",
// ".25") without the string strconv needs; it leaves anything else, and
// numbers of more than 15 digits, to strconv. A decimal of at most 15
// digits is an exact float64 divided by an exact power of ten: one
// rounding, as strconv.ParseFloat gives.
func decimal(b []byte) (float64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	var mant int64
	digits, frac, dot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + int64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	f := float64(mant) / pow10[frac]
	if neg {
		f = -f
	}
	return f, true
}

var pow10 = [16]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// smallInts are the integers from -256 to 1024 as Objects, made once:
// content streams are full of them (colours, matrices, coordinates), and
// making an Object of a number otherwise allocates.
var smallInts = func() (t [1281]Object) {
	for i := range t {
		t[i] = float64(i - 256)
	}
	return t
}()

// numberObject makes an Object of f.
func numberObject(f float64) Object {
	if f >= -256 && f <= 1024 && f == float64(int(f)) {
		return smallInts[int(f)+256]
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

func (l *Lexer) name() (Object, error) {
	l.pos++ // '/'
	b, err := l.regular()
	if err != nil {
		return nil, err
	}
	// #xx escapes: the decoded name is never longer than the token.
	out := b[:0]
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			h, ok1 := unhex(b[i+1])
			lo, ok2 := unhex(b[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return Name(out), nil
}

// next consumes and returns the next byte, or ok false at the end.
func (l *Lexer) next() (c byte, ok bool) {
	if l.pos < l.end || l.more(1) {
		c = l.buf[l.pos]
		l.pos++
		return c, true
	}
	return 0, false
}

func (l *Lexer) hex() (Object, error) {
	l.pos++ // '<'
	var b []byte
	var hi byte
	half := false
	for {
		c, ok := l.next()
		if !ok {
			return nil, fmt.Errorf("%w: unterminated hex string", ErrSyntax)
		}
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
			if len(b) >= maxToken {
				return nil, fmt.Errorf("%w: a string longer than %d bytes", ErrSyntax, maxToken)
			}
			b = append(b, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
}

var literalEscapes = map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f', '(': '(', ')': ')', '\\': '\\'}

func (l *Lexer) literal() (Object, error) {
	l.pos++ // '('
	var b []byte
	depth := 1
	for {
		c, ok := l.next()
		if !ok {
			return nil, fmt.Errorf("%w: unterminated string", ErrSyntax)
		}
		if len(b) >= maxToken {
			return nil, fmt.Errorf("%w: a string longer than %d bytes", ErrSyntax, maxToken)
		}
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return String(b), nil
			}
		case '\\':
			if e, ok := l.escape(); ok {
				b = append(b, e)
			}
			continue
		}
		b = append(b, c)
	}
}

// escape reads what follows a backslash in a literal string: the byte it
// stands for, or ok false for a line continuation (or the end).
func (l *Lexer) escape() (byte, bool) {
	e, ok := l.next()
	if !ok {
		return 0, false
	}
	if r, ok := literalEscapes[e]; ok {
		return r, true
	}
	if e >= '0' && e <= '7' {
		v := int(e - '0')
		for i := 0; i < 2; i++ {
			c, ok := l.peek()
			if !ok || c < '0' || c > '7' {
				break
			}
			v = v*8 + int(c-'0')
			l.pos++
		}
		return byte(v), true
	}
	if e == '\r' {
		if c, ok := l.peek(); ok && c == '\n' {
			l.pos++
		}
	}
	if e == '\r' || e == '\n' {
		return 0, false // line continuation
	}
	return e, true
}

func (l *Lexer) array(depth int) (Object, error) {
	var a Array
	for {
		l.skipSpace()
		c, ok := l.peek()
		if !ok {
			return nil, fmt.Errorf("%w: unterminated array", ErrSyntax)
		}
		if c == ']' {
			l.pos++
			return a, nil
		}
		if len(a) >= maxElements {
			return nil, fmt.Errorf("%w: an array of more than %d elements", ErrSyntax, maxElements)
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
		if _, ok := l.peek(); !ok {
			return nil, fmt.Errorf("%w: unterminated dictionary", ErrSyntax)
		}
		if l.startsWith(">>") {
			l.pos += 2
			return d, nil
		}
		if len(d) >= maxElements {
			return nil, fmt.Errorf("%w: a dictionary of more than %d entries", ErrSyntax, maxElements)
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
		if _, ok := l.peek(); !ok {
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
// just after the BI operator. It returns the dictionary; the data is kept
// for InlineData when it is unfiltered and not too large.
func (l *Lexer) InlineImage() (Dict, error) {
	d := Dict{}
	for {
		l.skipSpace()
		if _, ok := l.peek(); !ok {
			return nil, fmt.Errorf("%w: inline image without ID", ErrSyntax)
		}
		if l.startsWith("ID") && (!l.more(3) || isWhite(l.buf[l.pos+2])) {
			l.pos = min(l.pos+3, l.end) // "ID" and the single white-space byte after it
			break
		}
		if len(d) >= maxElements {
			return nil, fmt.Errorf("%w: an inline image dictionary of more than %d entries", ErrSyntax, maxElements)
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
		if _, ok := l.peek(); !ok {
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
// length is known only for unfiltered images; otherwise, or when EI does
// not follow the data of the known length, EI is searched for between
// white space, as every viewer does.
func (l *Lexer) skipInlineData(d Dict) {
	keep := d.get("F", "Filter") == nil
	l.inline, l.kept, l.tooBig = l.inline[:0], false, false
	if n := inlineDataLength(d); n > 0 {
		if n+64 > window {
			if l.skipData(n, keep) {
				l.kept = keep && !l.tooBig
				return
			}
		} else if l.more(n + 64); l.end-l.pos >= n+2 {
			// The data is in the window: if EI does not follow it, the
			// search below starts from its first byte.
			rest := bytes.TrimLeft(l.buf[l.pos+n:l.end], " \t\r\n\f\x00")
			if bytes.HasPrefix(rest, []byte("EI")) {
				l.keep(l.buf[l.pos:l.pos+n], keep)
				l.pos = l.end - len(rest) + 2
				l.kept = keep
				return
			}
		}
	}
	l.searchEI(keep)
}

// keep adds data to the inline image data when it is wanted, unless the
// whole would be over maxInlineImage.
func (l *Lexer) keep(data []byte, want bool) {
	switch {
	case !want || l.tooBig:
	case len(l.inline)+len(data) > maxInlineImage:
		l.tooBig, l.inline = true, l.inline[:0]
	default:
		l.inline = append(l.inline, data...)
	}
}

// skipData consumes n bytes of inline image data, larger than the window,
// keeping them when asked, and then the EI after them; it reports whether
// EI followed. If not, the search for EI goes on from there.
func (l *Lexer) skipData(n int, keep bool) bool {
	for n > 0 && l.more(1) {
		k := min(n, l.end-l.pos)
		l.keep(l.buf[l.pos:l.pos+k], keep)
		l.pos += k
		n -= k
	}
	l.skipSpace()
	if n == 0 && l.startsWith("EI") {
		l.pos += 2
		return true
	}
	l.inline = l.inline[:0]
	return false
}

// searchEI moves past the next EI that stands between white space (or a
// delimiter after it), keeping the data before it (less the white-space
// byte that precedes EI) when asked.
func (l *Lexer) searchEI(keep bool) {
	prev := byte(' ') // the data starts after white space
	for l.more(3) || l.pos < l.end {
		c := l.buf[l.pos]
		if c == 'E' && isWhite(prev) && l.end-l.pos >= 2 && l.buf[l.pos+1] == 'I' &&
			(l.end-l.pos == 2 || isWhite(l.buf[l.pos+2]) || isDelim(l.buf[l.pos+2])) {
			if len(l.inline) > 0 {
				l.inline = l.inline[:len(l.inline)-1]
			}
			l.pos += 2
			l.kept = keep && !l.tooBig
			return
		}
		l.keep(l.buf[l.pos:l.pos+1], keep)
		prev = c
		l.pos++
	}
	l.inline = l.inline[:0]
}

// InlineData returns the data of the inline image read last when it is
// unfiltered and at most 4 MiB, else nil. It is valid until the next
// call of Next.
func (l *Lexer) InlineData() []byte {
	if !l.kept || len(l.inline) == 0 {
		return nil
	}
	return l.inline
}

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
