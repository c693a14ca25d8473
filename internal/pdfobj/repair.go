package pdfobj

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Repair of damaged cross-reference data.
//
// Poppler, qpdf and every RIP open a file whose xref table or trailer is
// broken by scanning it for "N G obj"; refusing such a file would be a
// false alarm, so the reader does the same. The scan reads the whole file
// once, in chunks, and keeps only offsets.

const (
	repairChunk   = 1 << 20
	maxRepairObjs = 1 << 20
)

var (
	objHeaderRe  = regexp.MustCompile(`(?m)(?:^|[\r\n\s])(\d{1,10})\s+(\d{1,5})\s+obj\b`)
	trailerRe    = regexp.MustCompile(`trailer\s*<<`)
	catalogType  = regexp.MustCompile(`/Type\s*/Catalog\b`)
	objStmType   = regexp.MustCompile(`/Type\s*/ObjStm\b`)
	xrefStmType  = regexp.MustCompile(`/Type\s*/XRef\b`)
	errNoObjects = errors.New("rebuild xref: no objects found")
)

// FoundObject is an object header found by ScanObjects.
type FoundObject struct {
	Offset int64
	Gen    int
}

// Scan is what ScanObjects found: every object's last definition (as
// with incremental updates, the last one in the file wins), the last
// object that looks like a document catalog (-1 if none), and the
// offsets of trailer dictionaries and cross-reference streams, whose keys
// (/Encrypt, /ID, /Info) a rebuilt trailer needs.
type Scan struct {
	Objects  map[int]FoundObject
	Catalog  int
	Trailers []int64 // offsets of "<<" after "trailer"
	XRefStms []int   // numbers of objects that look like /Type /XRef
	ObjStms  []int   // numbers of objects that look like /Type /ObjStm
}

// ScanObjects scans r from start to size for "N G obj". It returns an
// error when there are no objects at all.
func ScanObjects(r io.ReaderAt, start, size int64) (*Scan, error) {
	s := &Scan{Objects: map[int]FoundObject{}, Catalog: -1}
	buf := make([]byte, repairChunk+64)
	for off := start; off < size; off += repairChunk {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("rebuild xref: read at %d: %w", off, err)
		}
		chunk := buf[:n]
		for _, m := range objHeaderRe.FindAllSubmatchIndex(chunk, -1) {
			if m[2] >= repairChunk { // belongs to the next chunk's overlap
				continue
			}
			num, _ := strconv.Atoi(string(chunk[m[2]:m[3]]))
			gen, _ := strconv.Atoi(string(chunk[m[4]:m[5]]))
			if num <= 0 || num > maxRepairObjs {
				continue
			}
			s.Objects[num] = FoundObject{Offset: off + int64(m[2]), Gen: gen}
			s.classify(r, num, off+int64(m[1]), size)
		}
		for _, m := range trailerRe.FindAllIndex(chunk, -1) {
			if m[0] < repairChunk {
				s.Trailers = append(s.Trailers, off+int64(m[1])-2)
			}
		}
	}
	if len(s.Objects) == 0 {
		return nil, errNoObjects
	}
	return s, nil
}

// classify looks at the start of object num's dictionary for the types
// the rebuild needs.
func (s *Scan) classify(r io.ReaderAt, num int, at, size int64) {
	head := make([]byte, max(0, min(512, size-at)))
	n, _ := r.ReadAt(head, at)
	head = head[:n]
	if end := bytes.Index(head, []byte("endobj")); end >= 0 {
		head = head[:end]
	}
	if i := bytes.Index(head, []byte("stream")); i >= 0 {
		head = head[:i]
	}
	switch {
	case catalogType.Match(head) && bytes.Contains(head, []byte("/Pages")):
		s.Catalog = num
	case objStmType.Match(head):
		s.ObjStms = append(s.ObjStms, num)
	case xrefStmType.Match(head):
		s.XRefStms = append(s.XRefStms, num)
	}
}

// rebuild makes the xref table from a scan of the file and a trailer
// with /Encrypt, /ID and /Info from the last trailer dictionary or
// cross-reference stream that has them. The objects inside object streams
// and the catalog come after decryption is set up (finishRebuild), since
// object streams are encrypted like any stream.
func (d *Doc) rebuild() (*Scan, error) {
	s, err := ScanObjects(d.r, 0, d.size)
	if err != nil {
		return nil, err
	}
	d.xref = xrefTable{}
	d.xref.reserve(maxKey(s.Objects)+1, len(s.Objects))
	for n, o := range s.Objects {
		d.xref.add(n, entry{kind: entryInUse, off: o.Offset})
	}
	d.trailer = types.Dict{}
	for _, n := range s.XRefStms {
		if sd, err := d.DereferenceStreamDict(ref(n)); err == nil && sd != nil {
			d.keepTrailerKeys(sd.Dict)
		}
	}
	for _, off := range s.Trailers {
		if o, _, err := d.valueAt(off); err == nil {
			if t, ok := o.(types.Dict); ok {
				d.keepTrailerKeys(t)
			}
		}
	}
	return s, nil
}

// finishRebuild adds the objects held in object streams and sets /Root to
// the last catalog found (else keeps the one a trailer named).
func (d *Doc) finishRebuild(s *Scan) error {
	d.addObjStmEntries(s.ObjStms)
	root := s.Catalog
	if root < 0 {
		root = d.findCompressedCatalog()
	}
	if root >= 0 {
		d.trailer["Root"] = ref(root)
	} else if _, ok := d.trailer["Root"]; !ok {
		return errors.New("rebuild xref: no document catalog found")
	}
	d.trailer["Size"] = types.Integer(d.xref.len() + 1)
	return nil
}

func ref(n int) types.IndirectRef {
	return types.IndirectRef{ObjectNumber: types.Integer(n)}
}

// keepTrailerKeys takes the keys a trailer needs from t; later calls win,
// as later trailers in the file are newer.
func (d *Doc) keepTrailerKeys(t types.Dict) {
	for _, k := range []string{"Root", "Encrypt", "ID", "Info"} {
		if v, ok := t[k]; ok && v != nil {
			d.trailer[k] = v
		}
	}
}

// addObjStmEntries lists the objects inside object streams, unless they
// are also defined directly in the file.
func (d *Doc) addObjStmEntries(stms []int) {
	for _, n := range stms {
		if d.ctx.Err() != nil {
			return
		}
		s, err := d.objStm(n)
		if err != nil {
			continue
		}
		for i, o := range s.objs {
			if o.num > 0 && d.xref.len() < d.opts.MaxObjects {
				d.xref.add(o.num, entry{kind: entryCompressed, off: int64(n), idx: int32(i)})
			}
		}
	}
}

// findCompressedCatalog returns the number of the last object in an
// object stream that is a catalog, or -1.
func (d *Doc) findCompressedCatalog() int {
	best := -1
	for n, e := range d.xref.all {
		if e.kind != entryCompressed || n < best {
			continue
		}
		if t, err := d.DereferenceDict(ref(n)); err == nil && t != nil {
			if ty := t.Type(); ty != nil && *ty == "Catalog" {
				best = n
			}
		}
	}
	return best
}

func maxKey[V any](m map[int]V) int {
	k := -1
	for n := range m {
		k = max(k, n)
	}
	return k
}
