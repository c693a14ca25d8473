package pdfobj

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// tableReader reads the tokens of a classic xref table, tracking the
// offset so that the trailer dictionary can be parsed where it starts.
// Entries are read as three tokens, not as 20-byte records, so a table
// written with one-byte line ends or extra spaces reads the same.
type tableReader struct {
	br  *bufio.Reader
	off int64 // offset of the next unread byte
}

func (t *tableReader) next() (string, error) {
	var tok []byte
	for {
		c, err := t.br.ReadByte()
		if err != nil {
			if len(tok) > 0 && err == io.EOF {
				return string(tok), nil
			}
			return "", err
		}
		t.off++
		if isSpace(c) {
			if len(tok) > 0 {
				return string(tok), nil
			}
			continue
		}
		if isDelim(c) { // "trailer<<": leave the delimiter for the dictionary
			t.br.UnreadByte()
			t.off--
			if len(tok) > 0 {
				return string(tok), nil
			}
			return "", fmt.Errorf("unexpected %q in xref table", c)
		}
		if len(tok) >= 20 {
			return "", fmt.Errorf("token %q... too long for an xref table", tok)
		}
		tok = append(tok, c)
	}
}

// readTable reads "xref", its subsections and the trailer dictionary.
func (d *Doc) readTable(off int64) ([]numbered, types.Dict, error) {
	t := &tableReader{br: bufio.NewReader(io.NewSectionReader(d.r, off, d.size-off)), off: off}
	if tok, err := t.next(); err != nil || tok != "xref" {
		return nil, nil, errors.New("no \"xref\" keyword")
	}
	var entries []numbered
	for {
		if err := d.ctx.Err(); err != nil {
			return nil, nil, err
		}
		tok, err := t.next()
		if err != nil {
			return nil, nil, fmt.Errorf("no trailer: %w", err)
		}
		if tok == "trailer" {
			break
		}
		first, ok1 := uintToken([]byte(tok))
		tok, err = t.next()
		count, ok2 := uintToken([]byte(tok))
		if err != nil || !ok1 || !ok2 {
			return nil, nil, fmt.Errorf("bad subsection header near offset %d", t.off)
		}
		if int(count)+len(entries) > d.opts.MaxObjects || first > int64(d.opts.MaxObjects)*4 {
			return nil, nil, fmt.Errorf("subsection of %d entries from %d: %w", count, first, ErrTooLarge)
		}
		sub, err := t.subsection(int(first), int(count))
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, sub...)
	}
	o, _, err := d.valueAt(t.off)
	if err != nil {
		return nil, nil, fmt.Errorf("trailer: %w", err)
	}
	trailer, ok := o.(types.Dict)
	if !ok {
		return nil, nil, fmt.Errorf("trailer is a %T, not a dictionary", o)
	}
	return entries, trailer, nil
}

func (t *tableReader) subsection(first, count int) ([]numbered, error) {
	out := make([]numbered, 0, min(count, 1<<16))
	for i := range count {
		var f [3]string
		for j := range f {
			tok, err := t.next()
			if err != nil {
				return nil, fmt.Errorf("entry %d of subsection %d: %w", i, first, err)
			}
			f[j] = tok
		}
		off, ok1 := uintToken([]byte(f[0]))
		gen, ok2 := uintToken([]byte(f[1]))
		if !ok1 || !ok2 || (f[2] != "n" && f[2] != "f") {
			return nil, fmt.Errorf("bad entry %q near offset %d", f, t.off)
		}
		// Some writers number the first subsection from 1 although its
		// first entry is object 0's free-list head: shift it back.
		if i == 0 && first == 1 && f[2] == "f" && gen == 65535 {
			first = 0
		}
		e := entry{kind: entryFree}
		if f[2] == "n" && off > 0 {
			e = entry{kind: entryInUse, off: off}
		}
		out = append(out, numbered{num: first + i, entry: e})
	}
	return out, nil
}

// valueAt parses a bare value (no "N G obj" header) at off, such as the
// trailer dictionary, reading at most Options.MaxObjectBytes.
func (d *Doc) valueAt(off int64) (types.Object, int64, error) {
	n := min(d.opts.MaxObjectBytes, d.size-off)
	if n <= 0 {
		return nil, 0, errors.New("at the end of the file")
	}
	// Read a small window first: the trailer is near the end of the file
	// and a few hundred bytes long.
	for win := min(n, firstWindow); ; win = min(n, win*4) {
		buf := make([]byte, win)
		m, err := d.r.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		o, perr := parseValue(d.ctx, string(buf[:m]), d.opts.MaxDepth)
		if perr == nil || win == n || d.ctx.Err() != nil {
			return o, int64(m), perr
		}
	}
}
