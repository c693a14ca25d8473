package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxStrictErrors bounds the problems strictJSON lists: a body of a
// thousand repeated members needs the first few to be fixed, not a
// thousand lines.
const maxStrictErrors = 20

// strictJSON finds what encoding/json lets through silently in a body that
// is valid JSON syntax: a member name repeated in one object (the last one
// would win, so two readers of the body could see two different requests),
// bytes that are not UTF-8 and \u escapes of half a surrogate pair (both
// would become U+FFFD, so the stored text would not be what was sent).
// Each problem carries the JSON Pointer of the value or object it is in.
func strictJSON(body []byte) []FieldError {
	s := &strictScanner{body: body}
	s.value("")
	return s.errs
}

// strictScanner walks a body that encoding/json has already parsed, so it
// trusts the syntax and only looks at names and strings.
type strictScanner struct {
	body  []byte
	i     int
	depth int
	errs  []FieldError
}

func (s *strictScanner) add(ptr, format string, args ...any) {
	if !s.full() {
		s.errs = append(s.errs, FieldError{Pointer: ptr, Detail: fmt.Sprintf(format, args...)})
	}
}

// full reports whether no more problems are listed: the words of one more
// need not be made, which costs a pass over the body for its position.
func (s *strictScanner) full() bool { return len(s.errs) >= maxStrictErrors }

// where says where the byte at offset is, as people count.
func (s *strictScanner) where(offset int) string {
	line, col := position(s.body, int64(offset)+1)
	return fmt.Sprintf("line %d, column %d", line, col)
}

func (s *strictScanner) space() {
	for s.i < len(s.body) && strings.IndexByte(" \t\r\n", s.body[s.i]) >= 0 {
		s.i++
	}
}

// maxStrictDepth bounds the nesting the scanner follows. No request of
// the API nests past a few levels, and each level holds its member's name
// and pointer: 10,000 levels of a long name (encoding/json's limit, in a
// 1 MiB body) would hold gigabytes.
const maxStrictDepth = 32

func (s *strictScanner) value(ptr string) {
	s.space()
	if s.i >= len(s.body) {
		return
	}
	if s.depth >= maxStrictDepth {
		s.add(ptr, "nests objects and arrays more than %d deep: no request of this API needs that many levels", maxStrictDepth)
		s.i = len(s.body) // nothing further is read
		return
	}
	s.depth++
	defer func() { s.depth-- }()
	switch s.body[s.i] {
	case '{':
		s.object(ptr)
	case '[':
		s.array(ptr)
	case '"':
		if why := s.str(); why != "" {
			s.add(ptr, "%s", why)
		}
	default: // a number, true, false or null
		for s.i < len(s.body) && strings.IndexByte(",]} \t\r\n", s.body[s.i]) < 0 {
			s.i++
		}
	}
}

func (s *strictScanner) object(ptr string) {
	s.i++ // {
	// Each member name, with the offset of its first occurrence.
	first := map[string]int{}
	for {
		s.space()
		if s.i >= len(s.body) || s.body[s.i] == '}' {
			s.i++
			return
		}
		if s.body[s.i] == ',' {
			s.i++
			s.space()
		}
		start := s.i
		why := s.str()
		name := s.name(start)
		switch at, dup := first[name]; {
		case why != "":
			s.add(ptr, "has a member name that %s", why)
		case dup && s.full():
		case dup:
			s.add(field(ptr, name), "repeats the member %q (%s; first at %s): send each member once",
				clip(name, 40), s.where(start), s.where(at))
		default:
			first[name] = start
		}
		s.space()
		s.i++ // :
		s.value(field(ptr, name))
	}
}

func (s *strictScanner) array(ptr string) {
	s.i++ // [
	for n := 0; ; n++ {
		s.space()
		if s.i >= len(s.body) || s.body[s.i] == ']' {
			s.i++
			return
		}
		if s.body[s.i] == ',' {
			s.i++
		}
		s.value(ptr + "/" + strconv.Itoa(n))
	}
}

// name decodes the member name that starts at offset as encoding/json
// does, so that it is the key of the parsed map and its pointer matches.
func (s *strictScanner) name(offset int) string {
	var name string
	_ = json.Unmarshal(s.body[offset:s.i], &name) // a string the decoder took already
	return name
}

// str moves past the string at s.i and says what is wrong with it (the
// first problem), or "".
func (s *strictScanner) str() string {
	s.i++ // "
	why := ""
	for s.i < len(s.body) {
		c := s.body[s.i]
		switch {
		case c == '"':
			s.i++
			return why
		case c == '\\' && s.i+1 < len(s.body) && s.body[s.i+1] == 'u':
			if at, whole := s.escape(); !whole && why == "" && !s.full() {
				why = fmt.Sprintf(`contains %s (%s), half of a UTF-16 surrogate pair without the other half: `+
					`write a character beyond U+FFFF as a pair of escapes (\ud83d\ude00 for U+1F600) or as UTF-8`, s.body[at:at+6], s.where(at))
			}
		case c == '\\':
			s.i += 2
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, size := utf8.DecodeRune(s.body[s.i:])
			if r == utf8.RuneError && size == 1 && why == "" && !s.full() {
				why = fmt.Sprintf("is not UTF-8 (%s): send the body encoded as UTF-8", s.where(s.i))
			}
			s.i += size
		}
	}
	return why
}

// escape moves past a \uXXXX escape, or a surrogate pair of two, and
// reports where it starts and whether it is a whole character.
func (s *strictScanner) escape() (offset int, whole bool) {
	offset = s.i
	u := s.unit(offset)
	s.i += 6
	if !utf16.IsSurrogate(rune(u)) {
		return offset, true
	}
	if u < 0xdc00 { // high: a low half must follow
		if next := s.unit(s.i); next >= 0xdc00 && next <= 0xdfff {
			s.i += 6
			return offset, true
		}
	}
	return offset, false
}

// unit reads the code unit of a \uXXXX escape at offset, or -1.
func (s *strictScanner) unit(offset int) int {
	if offset+6 > len(s.body) || s.body[offset] != '\\' || s.body[offset+1] != 'u' {
		return -1
	}
	n, err := strconv.ParseUint(string(s.body[offset+2:offset+6]), 16, 16)
	if err != nil {
		return -1
	}
	return int(n)
}
