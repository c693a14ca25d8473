package pdfobj

import (
	"bytes"
	"context"
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// The few tokens this package reads itself: object headers, xref tables,
// keywords. Values are parsed by pdfcpu's parser (parseValue).

func isSpace(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace returns the index of the first byte at or after i that is not
// white space or inside a comment.
func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch {
		case isSpace(b[i]):
			i++
		case b[i] == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// token returns the regular token starting at i (after white space) and
// the index after it.
func token(b []byte, i int) ([]byte, int) {
	i = skipSpace(b, i)
	j := i
	for j < len(b) && !isSpace(b[j]) && !isDelim(b[j]) {
		j++
	}
	return b[i:j], j
}

// uint64Token parses an unsigned decimal token of at most 18 digits.
func uintToken(t []byte) (int64, bool) {
	if len(t) == 0 || len(t) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// objHeader parses "N G obj" at the start of b (after white space) and
// returns the numbers and the index after "obj".
func objHeader(b []byte) (num, gen int, end int, err error) {
	t, i := token(b, 0)
	n, ok := uintToken(t)
	if !ok || n > 1<<31 {
		return 0, 0, 0, fmt.Errorf("no object header (found %q)", clip(t))
	}
	t, i = token(b, i)
	g, ok := uintToken(t)
	if !ok || g > 1<<20 {
		return 0, 0, 0, fmt.Errorf("no generation number in object header (found %q)", clip(t))
	}
	i = skipSpace(b, i)
	if !bytes.HasPrefix(b[i:], []byte("obj")) {
		return 0, 0, 0, fmt.Errorf("no \"obj\" keyword in object header of %d %d", n, g)
	}
	return int(n), int(g), i + 3, nil
}

func clip(b []byte) []byte {
	if len(b) > 20 {
		return b[:20]
	}
	return b
}

// parseValue parses one value with pdfcpu's parser. The parser is not
// written for hostile input and has indexed past its buffer before, so a
// panic is turned into an error here, the one place it is called.
func parseValue(ctx context.Context, s string, maxDepth int) (obj types.Object, err error) {
	defer func() {
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("parse object: parser failed: %v", p)
		}
	}()
	obj, err = model.ParseObjectContext(ctx, &s, 0, maxDepth)
	if err != nil {
		return nil, fmt.Errorf("parse object: %w", err)
	}
	return obj, nil
}

// detectKeywords finds the "endobj" or "stream" keyword ending an
// object's value, skipping strings and comments, with pdfcpu's detector
// (recovered like parseValue).
func detectKeywords(ctx context.Context, s string) (endInd, streamInd int, err error) {
	defer func() {
		if p := recover(); p != nil {
			endInd, streamInd, err = -1, -1, fmt.Errorf("find endobj: %v", p)
		}
	}()
	return model.DetectKeywordsWithContext(ctx, s)
}
