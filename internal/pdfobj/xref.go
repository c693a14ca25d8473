package pdfobj

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// maxSections bounds the /Prev chain of incremental updates.
const maxSections = 1024

// readXRef reads the cross-reference data from startxref back through the
// /Prev chain. Sections are read newest first and the first definition of
// an object wins, so the newest update wins. The trailer is the newest,
// with keys it lacks taken from older ones.
func (d *Doc) readXRef() error {
	off, err := d.startxref()
	if err != nil {
		return err
	}
	d.xref = xrefTable{}
	seen := map[int64]bool{}
	for range maxSections {
		if err := d.ctx.Err(); err != nil {
			return err
		}
		if seen[off] {
			// A /Prev loop: the sections it skips are lost, so the
			// table is rebuilt, as poppler and qpdf do.
			return fmt.Errorf("the /Prev chain loops back to offset %d", off)
		}
		seen[off] = true
		trailer, err := d.readSection(off)
		if err != nil {
			return err
		}
		if d.trailer == nil {
			// The newest trailer must say how many objects there are;
			// without it the table is as damaged as qpdf says it is.
			if _, ok := trailer["Size"].(types.Integer); !ok {
				return fmt.Errorf("trailer /Size is %v, not an integer", trailer["Size"])
			}
			d.trailer = types.Dict{}
		}
		for k, v := range trailer {
			if _, ok := d.trailer[k]; !ok && k != "Prev" && k != "XRefStm" {
				d.trailer[k] = v
			}
		}
		prev, ok := trailer["Prev"]
		if !ok {
			return nil
		}
		p, ok := prev.(types.Integer)
		if !ok || p <= 0 {
			return fmt.Errorf("trailer /Prev is %v, not an offset", prev)
		}
		off = int64(p)
	}
	return fmt.Errorf("more than %d cross-reference sections", maxSections)
}

// startxref returns the offset after the last "startxref" keyword near the
// end of the file.
func (d *Doc) startxref() (int64, error) {
	const tail = 8 << 10
	start := max(0, d.size-tail)
	buf := make([]byte, d.size-start)
	n, err := d.r.ReadAt(buf, start)
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("read the end of the file: %w", err)
	}
	i := bytes.LastIndex(buf[:n], []byte("startxref"))
	if i < 0 {
		return 0, errors.New("no startxref at the end of the file")
	}
	t, _ := token(buf[:n], i+len("startxref"))
	off, ok := uintToken(t)
	if !ok || off <= 0 || off >= d.size {
		return 0, fmt.Errorf("startxref %q is not an offset in the file", clip(t))
	}
	return off, nil
}

// readSection reads one cross-reference section at off, a classic table
// or a cross-reference stream, and returns its trailer dictionary.
func (d *Doc) readSection(off int64) (types.Dict, error) {
	var head [64]byte
	n, _ := d.r.ReadAt(head[:], off)
	i := skipSpace(head[:n], 0)
	if bytes.HasPrefix(head[i:n], []byte("xref")) {
		return d.readTableSection(off + int64(i))
	}
	trailer, err := d.readXRefStream(off)
	if err != nil {
		return nil, fmt.Errorf("cross-reference data at %d: %w", off, err)
	}
	return trailer, nil
}

// readTableSection reads a classic table and its trailer. In a hybrid
// file the trailer's /XRefStm names a cross-reference stream holding the
// compressed objects; its entries count as part of this section and come
// before the table's (which lists those objects as free for old readers).
func (d *Doc) readTableSection(off int64) (types.Dict, error) {
	entries, trailer, err := d.readTable(off)
	if err != nil {
		return nil, fmt.Errorf("xref table at %d: %w", off, err)
	}
	// A stream read for a newer section adds nothing the second time
	// (add keeps the newest entry), so it is read once.
	if x, ok := trailer["XRefStm"].(types.Integer); ok && x > 0 && !d.hybrid[int64(x)] {
		d.hybrid[int64(x)] = true
		if _, err := d.readXRefStream(int64(x)); err != nil {
			return nil, fmt.Errorf("hybrid file: /XRefStm %d: %w", x, err)
		}
	}
	for _, e := range entries {
		d.add(e.num, e.entry)
	}
	return trailer, nil
}

type numbered struct {
	num int
	entry
}

// add records an entry unless a newer section defined the number.
func (d *Doc) add(num int, e entry) {
	if num > 0 {
		d.xref.add(num, e)
	}
}

// readXRefStream reads the cross-reference stream at off: /W field
// widths, /Index subsections (default 0 to /Size), entries decoded with
// its filters and predictor and read one at a time, never held whole. Its
// dictionary is the section's trailer.
func (d *Doc) readXRefStream(off int64) (types.Dict, error) {
	o, _, err := d.readAt(off, -1)
	if err != nil {
		return nil, err
	}
	sd, ok := o.(types.StreamDict)
	if !ok || sd.Type() == nil || *sd.Type() != "XRef" {
		return nil, errors.New("neither an xref table nor a cross-reference stream")
	}
	w, err := xrefWidths(sd.Dict)
	if err != nil {
		return nil, err
	}
	size := sd.IntEntry("Size")
	if size == nil || *size < 0 {
		return nil, errors.New("cross-reference stream without /Size")
	}
	index := types.Array{types.Integer(0), types.Integer(*size)}
	if a := sd.ArrayEntry("Index"); a != nil {
		index = a
	}
	r, err := d.StreamReader(&sd, d.opts.MaxStreamBytes)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(r)
	rec := make([]byte, w[0]+w[1]+w[2])
	for i := 0; i+1 < len(index); i += 2 {
		first, ok1 := index[i].(types.Integer)
		count, ok2 := index[i+1].(types.Integer)
		if !ok1 || !ok2 || first < 0 || count < 0 || int(count) > d.opts.MaxObjects {
			return nil, fmt.Errorf("bad /Index %v", index)
		}
		d.xref.reserve(int(first)+int(count), int(count))
		for n := int(first); n < int(first)+int(count); n++ {
			if _, err := io.ReadFull(br, rec); err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
				return sd.Dict, nil // fewer entries than announced: keep those read
			} else if err != nil {
				return nil, err
			}
			if d.xref.len() >= d.opts.MaxObjects {
				return nil, fmt.Errorf("more than %d objects: %w", d.opts.MaxObjects, ErrTooLarge)
			}
			f := fields(rec, w)
			if w[0] == 0 {
				f[0] = 1 // the type field defaults to 1
			}
			switch f[0] {
			case 0:
				d.add(n, entry{kind: entryFree})
			case 1:
				d.add(n, entry{kind: entryInUse, off: int64(f[1])})
			case 2:
				d.add(n, entry{kind: entryCompressed, off: int64(f[1]), idx: int32(f[2])})
			}
		}
	}
	return sd.Dict, nil
}

func xrefWidths(d types.Dict) ([3]int, error) {
	var w [3]int
	a := d.ArrayEntry("W")
	if len(a) != 3 {
		return w, fmt.Errorf("cross-reference stream /W is %v, not three widths", a)
	}
	for i, o := range a {
		v, ok := o.(types.Integer)
		if !ok || v < 0 || v > 8 {
			return w, fmt.Errorf("cross-reference stream /W is %v", a)
		}
		w[i] = int(v)
	}
	if w[1] == 0 {
		return w, fmt.Errorf("cross-reference stream /W %v has no offset field", a)
	}
	return w, nil
}

// fields splits one record into its big-endian fields.
func fields(rec []byte, w [3]int) [3]uint64 {
	var f [3]uint64
	for i, width := range w {
		for _, c := range rec[:width] {
			f[i] = f[i]<<8 | uint64(c)
		}
		rec = rec[width:]
	}
	if f[1] > 1<<62 {
		f[1] = 0
	}
	return f
}
