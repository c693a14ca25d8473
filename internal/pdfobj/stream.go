package pdfobj

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// streamOwner is the object a stream's bytes belong to, which decryption
// needs (the key is per object); streams are known by their data offset.
type streamOwner struct {
	num, gen int
	clear    bool // not encrypted: xref streams, metadata when EncryptMetadata is false
}

// newStream makes the stream dictionary of the object num, whose data
// starts at dataOff, without reading the data: only its length is
// checked.
func (d *Doc) newStream(dict types.Dict, num, gen int, dataOff int64) (types.StreamDict, error) {
	length, err := d.streamLength(dict, dataOff)
	if err != nil {
		return types.StreamDict{}, fmt.Errorf("stream of object %d: %w", num, err)
	}
	fpl := d.filterPipeline(dict)
	sd := types.NewStreamDict(dict, dataOff, &length, nil, fpl)
	owner := streamOwner{num: num, gen: gen}
	if t := dict.Type(); t != nil && (*t == "XRef" || (*t == "Metadata" && d.sec != nil && !d.sec.encryptMetadata)) {
		owner.clear = true
	}
	d.streams[dataOff] = owner
	return sd, nil
}

// streamLength trusts /Length (direct or indirect) when "endstream"
// follows the data it measures, and otherwise finds "endstream" itself, as
// every viewer does for files with a wrong /Length.
func (d *Doc) streamLength(dict types.Dict, dataOff int64) (int64, error) {
	l := int64(-1)
	switch v := dict["Length"].(type) {
	case types.Integer:
		l = int64(v)
	case types.IndirectRef:
		if o, err := d.object(v.ObjectNumber.Value()); err == nil {
			if i, ok := o.(types.Integer); ok {
				l = int64(i)
			}
		}
	}
	valid := l >= 0 && l <= d.size-dataOff
	if valid && d.endstreamAt(dataOff+l) {
		return l, nil
	}
	found, err := d.findEndstream(dataOff)
	if err != nil && valid {
		return l, nil // no endstream anywhere: the /Length is all there is
	}
	return found, err
}

func (d *Doc) endstreamAt(off int64) bool {
	var b [32]byte
	n, _ := d.r.ReadAt(b[:], off)
	i := skipSpace(b[:n], 0)
	return bytes.HasPrefix(b[i:n], []byte("endstream"))
}

// scanChunk is how much is read at a time when scanning the file.
const scanChunk = 64 << 10

// findEndstream scans from dataOff for "endstream" and returns the length
// of the data before it, less the end of line that precedes the keyword.
func (d *Doc) findEndstream(dataOff int64) (int64, error) {
	kw := []byte("endstream")
	buf := make([]byte, scanChunk+len(kw))
	for off := dataOff; off < d.size; off += scanChunk {
		if err := d.ctx.Err(); err != nil {
			return 0, err
		}
		n, err := d.r.ReadAt(buf[:min(int64(len(buf)), d.size-off)], off)
		if err != nil && err != io.EOF {
			return 0, fmt.Errorf("read at %d: %w", off, err)
		}
		if i := bytes.Index(buf[:n], kw); i >= 0 {
			end := off + int64(i)
			var eol [2]byte
			if end-dataOff >= 2 {
				d.r.ReadAt(eol[:], end-2)
			}
			switch {
			case eol[0] == '\r' && eol[1] == '\n':
				end -= 2
			case eol[1] == '\n' || eol[1] == '\r':
				end--
			}
			return max(0, end-dataOff), nil
		}
	}
	return 0, fmt.Errorf("no endstream after offset %d", dataOff)
}

// filterPipeline reads /Filter and /DecodeParms (a name and a dictionary,
// or arrays of them).
func (d *Doc) filterPipeline(dict types.Dict) []types.PDFFilter {
	f, _ := d.Dereference(dict["Filter"])
	p, _ := d.Dereference(dict["DecodeParms"])
	parms := func(i int) types.Dict {
		switch v := p.(type) {
		case types.Dict:
			if i == 0 {
				return v
			}
		case types.Array:
			if i < len(v) {
				pd, _ := d.DereferenceDict(v[i])
				return pd
			}
		}
		return nil
	}
	switch v := f.(type) {
	case types.Name:
		return []types.PDFFilter{{Name: string(v), DecodeParms: parms(0)}}
	case types.Array:
		var out []types.PDFFilter
		for i, o := range v {
			if n, err := d.DereferenceName(o); err == nil && n != "" {
				out = append(out, types.PDFFilter{Name: string(n), DecodeParms: parms(i)})
			}
		}
		return out
	}
	return nil
}

// StreamReader returns a reader of the stream's decoded data. The
// encoded bytes are read from the file as they are asked for, decrypted
// and run through the filters, each a reader over the one before, so the
// stream is never held whole: a decompression bomb costs the time to
// reach the limit, not the memory. Encoded data over limit bytes is
// refused at once, and reading more than limit decoded bytes (from the
// stream or from any filter on the way) fails, with an error that wraps
// ErrTooLarge; image data (DCT, JPX, JBIG2, CCITT) is refused with one
// that wraps ErrImageData. Reads stop when the document's context ends.
func (d *Doc) StreamReader(sd *types.StreamDict, limit int64) (io.Reader, error) {
	if sd == nil || sd.StreamLength == nil {
		return nil, errors.New("decode: not a stream read by this document")
	}
	length := *sd.StreamLength
	if length > limit {
		return nil, fmt.Errorf("stream at %d is %d bytes encoded, over %d: %w", sd.StreamOffset, length, limit, ErrTooLarge)
	}
	for _, f := range sd.FilterPipeline {
		if isImageFilter(f.Name) {
			return nil, fmt.Errorf("stream at %d is %s: %w", sd.StreamOffset, f.Name, ErrImageData)
		}
	}
	if err := d.ctx.Err(); err != nil {
		return nil, err
	}
	var r io.Reader = io.NewSectionReader(d.r, sd.StreamOffset, length)
	r, err := d.decryptReader(sd, r, length)
	if err != nil {
		return nil, err
	}
	for i, f := range sd.FilterPipeline {
		if f.Name == "Crypt" {
			continue // handled by decryptReader
		}
		fr, err := filterReader(d.ctx, f, r)
		if err != nil {
			return nil, fmt.Errorf("stream at %d, filter %d (%s): %w", sd.StreamOffset, i, f.Name, err)
		}
		r = &limitedReader{ctx: d.ctx, r: fr, limit: limit, left: limit, off: sd.StreamOffset, filter: i, name: f.Name}
	}
	if len(sd.FilterPipeline) == 0 {
		r = &limitedReader{ctx: d.ctx, r: r, limit: limit, left: limit, off: sd.StreamOffset, filter: -1}
	}
	return r, nil
}

// limitedReader fails once more than left bytes have passed through it,
// counting them without holding them, and stops when ctx ends.
type limitedReader struct {
	ctx         context.Context
	r           io.Reader
	limit, left int64
	// For errors: the stream's offset, and the filter read (-1: none).
	off    int64
	filter int
	name   string
	err    error // set once a read failed: the filters below may not be read again
}

func (l *limitedReader) what() string {
	if l.filter < 0 {
		return fmt.Sprintf("stream at %d", l.off)
	}
	return fmt.Sprintf("stream at %d, filter %d (%s)", l.off, l.filter, l.name)
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if err := l.ctx.Err(); err != nil {
		return 0, err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		n, err = 0, fmt.Errorf("%s decodes to more than %d bytes: %w", l.what(), l.limit, ErrTooLarge)
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", l.what(), err)
		l.err = err
	}
	return n, err
}

// Decode reads the whole of a stream's decoded data (see StreamReader)
// into memory, for the callers that need it at once: object streams and
// palettes. Data over smallDecode bytes is counted first, by decoding it
// once without keeping it, and then decoded into a buffer of its exact
// size once Options.Budget has room for it: a bomb just under the limit
// is held once, not in a buffer grown by doubling, and many at once wait
// for each other instead of adding up. The budget is given back when
// Decode returns: what callers keep is bounded by their own caches.
func (d *Doc) Decode(sd *types.StreamDict, limit int64) (data []byte, err error) {
	r, err := d.StreamReader(sd, limit)
	if err != nil {
		return nil, err
	}
	head, err := io.ReadAll(io.LimitReader(r, smallDecode+1))
	if err != nil {
		return nil, err
	}
	if len(head) <= smallDecode {
		return head, nil
	}
	rest, err := io.Copy(io.Discard, r)
	if err != nil {
		return nil, err
	}
	size := int64(len(head)) + rest
	release, err := d.opts.Budget.Acquire(d.ctx, size)
	if err != nil {
		return nil, err
	}
	defer release()
	if r, err = d.StreamReader(sd, limit); err != nil {
		return nil, err
	}
	data = make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("stream at %d read differently the second time: %w", sd.StreamOffset, err)
	}
	return data, nil
}

// smallDecode is the most Decode reads without asking the budget: object
// streams of a few hundred objects, palettes.
const smallDecode = 1 << 20

func isImageFilter(name string) bool {
	switch name {
	case filter.DCT, filter.JPX, filter.JBIG2, filter.CCITTFax:
		return true
	}
	return false
}

// filterParms turns DecodeParms into integers (booleans as 0 and 1).
func filterParms(d types.Dict) map[string]int {
	m := map[string]int{}
	for k, v := range d {
		switch v := v.(type) {
		case types.Integer:
			m[k] = int(v)
		case types.Boolean:
			if v {
				m[k] = 1
			} else {
				m[k] = 0
			}
		}
	}
	return m
}
