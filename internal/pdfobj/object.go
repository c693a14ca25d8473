package pdfobj

import (
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// firstWindow is the first read for an object; most dictionaries fit.
// The window grows fourfold up to Options.MaxObjectBytes.
const firstWindow = 4 << 10

// maxReadDepth bounds how many objects may be in the middle of being read
// at once: reading one object reads others (an indirect /Length, a
// /Filter or /DecodeParms array, its object stream), which may read more.
// Real files nest a handful; a hostile chain of streams whose /Filter
// names the next would otherwise recurse once per object until Go's stack
// overflows, which no recover stops, taking the whole server down.
const maxReadDepth = 64

// object returns the object numbered num, reading and parsing it when it
// is not cached. A number the xref data does not define is null (nil, nil),
// as PDF 32000 7.3.10 says.
func (d *Doc) object(num int) (types.Object, error) {
	if o, ok := d.objs.get(num); ok {
		return o, nil
	}
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	e, ok := d.xref.get(num)
	if !ok || e.kind == entryFree {
		return nil, nil
	}
	if d.reading[num] {
		return nil, fmt.Errorf("object %d refers to itself while it is read", num)
	}
	if len(d.reading) >= maxReadDepth {
		return nil, fmt.Errorf("object %d: objects refer to each other more than %d deep", num, maxReadDepth)
	}
	d.reading[num] = true
	defer delete(d.reading, num)
	var (
		o    types.Object
		cost int64
		err  error
	)
	if e.kind == entryCompressed {
		o, cost, err = d.fromObjStm(int(e.off), int(e.idx), num)
	} else {
		o, cost, err = d.readAt(e.off, num)
	}
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", num, err)
	}
	d.objs.put(num, o, cost)
	return o, nil
}

// rawObject is an object as found at its offset, before decryption.
type rawObject struct {
	num, gen int
	value    types.Object
	stream   bool
	dataOff  int64 // stream: where its bytes start
	size     int64 // bytes parsed, the object's cost in the cache
}

// readAt reads the object at off, which must be object want (or any object
// when want < 0), decrypts its strings and, for a stream, locates its data.
func (d *Doc) readAt(off int64, want int) (types.Object, int64, error) {
	raw, err := d.rawAt(off)
	if err != nil {
		return nil, 0, err
	}
	if want >= 0 {
		// The xref data names the object; the header may not (a
		// garbled or wrong number), and readers take the value anyway.
		raw.num = want
	}
	obj := raw.value
	if d.sec != nil && raw.num != d.sec.encryptObj && !isXRefStream(raw) {
		if obj, err = d.sec.decryptStrings(obj, raw.num, raw.gen, d.opts.MaxDepth); err != nil {
			return nil, 0, fmt.Errorf("decrypt: %w", err)
		}
	}
	if !raw.stream {
		return obj, raw.size, nil
	}
	dict, ok := obj.(types.Dict)
	if !ok {
		return nil, 0, fmt.Errorf("the keyword \"stream\" follows a %T, not a dictionary", obj)
	}
	sd, err := d.newStream(dict, raw.num, raw.gen, raw.dataOff)
	if err != nil {
		return nil, 0, err
	}
	return sd, raw.size, nil
}

func isXRefStream(raw rawObject) bool {
	dict, ok := raw.value.(types.Dict)
	return ok && raw.stream && dict.Type() != nil && *dict.Type() == "XRef"
}

// rawAt parses "N G obj value" at off. It reads a small window first and
// grows it until the value's end ("endobj" or "stream") is inside it, up
// to Options.MaxObjectBytes.
func (d *Doc) rawAt(off int64) (rawObject, error) {
	if off < 0 || off >= d.size {
		return rawObject{}, fmt.Errorf("offset %d is outside the file (%d bytes)", off, d.size)
	}
	for win := int64(firstWindow); ; win *= 4 {
		if err := d.ctx.Err(); err != nil {
			return rawObject{}, err
		}
		win = min(win, d.opts.MaxObjectBytes)
		buf := make([]byte, min(win, d.size-off))
		n, err := d.r.ReadAt(buf, off)
		if err != nil && err != io.EOF {
			return rawObject{}, fmt.Errorf("read at %d: %w", off, err)
		}
		buf = buf[:n]
		full := off+int64(n) >= d.size || n < len(buf)
		num, gen, h, err := objHeader(buf)
		if err != nil {
			// A garbled header ("4 x obj", "x 0 obj"): qpdf, pdfcpu and
			// poppler read the value after "obj" all the same.
			if h = garbledHeader(buf); h < 0 {
				return rawObject{}, fmt.Errorf("at offset %d: %w", off, err)
			}
			num, gen = -1, 0
		}
		body := string(buf[h:])
		endInd, streamInd, kerr := detectKeywords(d.ctx, body)
		found := kerr == nil && (endInd >= 0 || streamInd >= 0)
		if !found && !full {
			if win < d.opts.MaxObjectBytes {
				continue
			}
			return rawObject{}, fmt.Errorf("object %d at offset %d has no end within %d bytes: %w", num, off, win, ErrTooLarge)
		}
		raw := rawObject{num: num, gen: gen}
		end := len(body)
		if kerr == nil && streamInd >= 3 && body[streamInd-3:streamInd] == "end" && (endInd < 0 || streamInd < endInd) {
			end = streamInd - 3 // a stray "endstream" after a dictionary: not a stream
		} else if kerr == nil && streamInd >= 0 && (endInd < 0 || streamInd < endInd) {
			end, raw.stream = streamInd, true
			raw.dataOff = off + int64(h+streamInd) + int64(len("stream"))
			raw.dataOff += int64(eolAfterStream(buf[h+streamInd+len("stream"):]))
		} else if kerr == nil && endInd >= 0 {
			end = endInd
		}
		if raw.value, err = parseValue(d.ctx, body[:end], d.opts.MaxDepth); err != nil {
			return rawObject{}, fmt.Errorf("object %d at offset %d: %w", num, off, err)
		}
		raw.size = int64(h + end)
		return raw, nil
	}
}

// garbledHeader returns the index after an "obj" keyword within the
// first bytes of b, or -1.
func garbledHeader(b []byte) int {
	b = b[:min(len(b), 32)]
	for i := 0; i+3 <= len(b); i++ {
		if string(b[i:i+3]) == "obj" && (i+3 == len(b) || isSpace(b[i+3]) || isDelim(b[i+3])) && (i == 0 || isSpace(b[i-1])) {
			if i+3 < len(b) && b[i+3] == '%' {
				continue
			}
			return i + 3
		}
	}
	return -1
}

// eolAfterStream is the length of the end of line after "stream": CRLF or
// LF by the standard, a lone CR or spaces first from careless writers.
func eolAfterStream(b []byte) int {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	switch {
	case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
		return i + 2
	case i < len(b) && (b[i] == '\n' || b[i] == '\r'):
		return i + 1
	}
	return 0
}

// objCacheBytes bounds the parsed objects kept, counted by the bytes they
// were parsed from; past it the cache starts again empty, which is cheap
// and keeps a file of a million dictionaries from filling memory.
const objCacheBytes = 16 << 20

type objCache struct {
	m     map[int]types.Object
	bytes int64
}

func (c *objCache) get(n int) (types.Object, bool) {
	o, ok := c.m[n]
	return o, ok
}

func (c *objCache) put(n int, o types.Object, cost int64) {
	if c.m == nil || c.bytes+cost > objCacheBytes {
		c.reset()
	}
	c.m[n] = o
	c.bytes += cost
}

func (c *objCache) reset() {
	c.m = map[int]types.Object{}
	c.bytes = 0
}
