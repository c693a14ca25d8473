package content

import (
	"errors"
	"fmt"
	"io"
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
	maxElements    = 1 << 16  // elements in one operand's arrays and dictionaries, together
	maxOperandData = maxToken // bytes of strings and names in one operand's arrays and dictionaries, together
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
	// What the arrays and dictionaries of the operand being read hold so
	// far: a budget for the whole operand, not for each array, so that
	// arrays nested in arrays cannot multiply it.
	elements, data int
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

// Token is one token of a content stream: an operator or an operand.
type Token struct {
	// Op is the operator's name, empty for an operand.
	Op string
	// Operand is the operand's value (nil for null) when Op is empty.
	Operand Object
}

// Next returns the next token, or io.EOF at the end of the stream. A
// failure of the reader beneath is returned as it is; ErrSyntax marks
// what cannot be tokenised.
func (l *Lexer) Next() (Token, error) {
	l.skipSpace()
	if _, more := l.peek(); !more {
		if err := l.readErr(); err != nil {
			return Token{}, err
		}
		return Token{}, io.EOF
	}
	l.elements, l.data = 0, 0
	o, err := l.object(0)
	if rerr := l.readErr(); rerr != nil {
		return Token{}, rerr
	}
	if err != nil {
		return Token{}, err
	}
	if k, isKw := o.(keyword); isKw && k != "true" && k != "false" && k != "null" {
		return Token{Op: string(k)}, nil
	}
	return Token{Operand: bareWord(o)}, nil
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
		o, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := l.spend(o, 1); err != nil {
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
		k, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		if err := l.spend(k, 0); err != nil {
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
		if err := l.spend(v, 1); err != nil {
			return nil, err
		}
		d[key] = bareWord(v)
	}
}

// spend charges an object read inside an array or dictionary to the
// budget of the operand it is part of: elements (1 for an array's
// element or a dictionary's value, 0 for its key), and the bytes of a
// string or name. Over maxElements or maxOperandData, the operand is a
// syntax error, as a token over maxToken is.
func (l *Lexer) spend(o Object, elements int) error {
	l.elements += elements
	switch o := o.(type) {
	case String:
		l.data += len(o)
	case Name:
		l.data += len(o)
	case keyword:
		l.data += len(o)
	}
	switch {
	case l.elements > maxElements:
		return fmt.Errorf("%w: an operand of more than %d elements in its arrays and dictionaries at byte %d", ErrSyntax, maxElements, l.Pos())
	case l.data > maxOperandData:
		return fmt.Errorf("%w: an operand of more than %d bytes of strings and names in its arrays and dictionaries at byte %d", ErrSyntax, maxOperandData, l.Pos())
	}
	return nil
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
