package content

import (
	"bytes"
	"fmt"
)

// InlineImage reads the dictionary and data of an inline image, positioned
// just after the BI operator. It returns the dictionary; the data is kept
// for InlineData when it is unfiltered and not too large.
func (l *Lexer) InlineImage() (Dict, error) {
	d := Dict{}
	l.elements, l.data = 0, 0 // the dictionary is one operand
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
		if err := l.spend(k, 0); err != nil {
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
		if err := l.spend(v, 1); err != nil {
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
	// Only the depths PDF defines give a length: anything else (a
	// hostile 2^54, which overflowed it) leaves it unknown, and EI is
	// searched for. With w × h at most 2^26, bpc at most 16 and comps at
	// most 4, the length is at most 2^29 bytes, well inside an int64.
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return 0
	}
	if w < 1 || h < 1 || w > 1<<26 || h > 1<<26 || w*h > 1<<26 {
		return 0
	}
	rowBytes := (int64(w)*int64(comps)*int64(bpc) + 7) / 8
	n := rowBytes * int64(h)
	if n < 1 || n > maxInlineLength {
		return 0
	}
	return int(n)
}

// maxInlineLength bounds the inline image data length computed from the
// dictionary, whatever it claims.
const maxInlineLength = 1 << 30

// get returns the value under the abbreviated or the full key.
func (d Dict) get(short, long string) Object {
	if v, ok := d[Name(short)]; ok {
		return v
	}
	return d[Name(long)]
}
