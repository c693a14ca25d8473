package preflight

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
)

// Repair of a damaged cross-reference table.
//
// pdfcpu gives up on files whose xref table or trailer is broken, where
// poppler, qpdf and every RIP rebuild the table by scanning for "N G obj".
// Refusing such a file would be a false alarm, so we do the same scan and
// hand pdfcpu the original bytes followed by a fresh xref section (built in
// memory; the file itself is not copied).

const (
	repairChunk   = 1 << 20
	maxRepairObjs = 1 << 20
)

var objHeader = regexp.MustCompile(`(?m)(?:^|[\r\n\s])(\d{1,10})\s+(\d{1,5})\s+obj\b`)

type foundObj struct {
	offset int64
	gen    int
}

// repairedReader returns a reader over r (starting at the %PDF header at
// start) with a rebuilt xref table appended, or an error when the file
// has no recognisable objects or catalog.
func repairedReader(r io.ReaderAt, start, size int64) (io.ReadSeeker, error) {
	objs, catalog, err := scanObjects(r, start, size)
	if err != nil {
		return nil, err
	}
	if catalog < 0 {
		return nil, fmt.Errorf("rebuild xref: no document catalog found")
	}
	maxObj := 0
	for n := range objs {
		maxObj = max(maxObj, n)
	}
	var b bytes.Buffer
	xrefAt := size - start + 1
	fmt.Fprintf(&b, "\nxref\n0 %d\n0000000000 65535 f\r\n", maxObj+1)
	for n := 1; n <= maxObj; n++ {
		if o, ok := objs[n]; ok {
			fmt.Fprintf(&b, "%010d %05d n\r\n", o.offset-start, o.gen)
		} else {
			b.WriteString("0000000000 65535 f\r\n")
		}
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d %d R >>\nstartxref\n%d\n%%%%EOF\n",
		maxObj+1, catalog, objs[catalog].gen, xrefAt)
	joined := &joinedReaderAt{a: io.NewSectionReader(r, start, size-start), aSize: size - start, b: b.Bytes()}
	return io.NewSectionReader(joined, 0, joined.aSize+int64(b.Len())), nil
}

// scanObjects finds every "N G obj" in the file (the last definition of a
// number wins, as with incremental updates) and the number of the last
// object that looks like a document catalog.
func scanObjects(r io.ReaderAt, start, size int64) (map[int]foundObj, int, error) {
	objs := map[int]foundObj{}
	catalog := -1
	buf := make([]byte, repairChunk+64)
	for off := start; off < size; off += repairChunk {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if err != nil && err != io.EOF {
			return nil, 0, fmt.Errorf("rebuild xref: read at %d: %w", off, err)
		}
		chunk := buf[:n]
		for _, m := range objHeader.FindAllSubmatchIndex(chunk, -1) {
			if m[2] >= repairChunk { // belongs to the next chunk's overlap
				continue
			}
			num, _ := strconv.Atoi(string(chunk[m[2]:m[3]]))
			gen, _ := strconv.Atoi(string(chunk[m[4]:m[5]]))
			if num <= 0 || num > maxRepairObjs {
				continue
			}
			objs[num] = foundObj{offset: off + int64(m[2]), gen: gen}
			if looksLikeCatalog(r, off+int64(m[1]), size) {
				catalog = num
			}
		}
	}
	if len(objs) == 0 {
		return nil, 0, fmt.Errorf("rebuild xref: no objects found")
	}
	return objs, catalog, nil
}

var catalogType = regexp.MustCompile(`/Type\s*/Catalog\b`)

func looksLikeCatalog(r io.ReaderAt, at, size int64) bool {
	head := make([]byte, min(512, size-at))
	n, _ := r.ReadAt(head, at)
	head = head[:n]
	if end := bytes.Index(head, []byte("endobj")); end >= 0 {
		head = head[:end]
	}
	return catalogType.Match(head) && bytes.Contains(head, []byte("/Pages"))
}

// joinedReaderAt reads a followed by b.
type joinedReaderAt struct {
	a     io.ReaderAt
	aSize int64
	b     []byte
}

func (j *joinedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	total := 0
	if off < j.aSize {
		n, err := j.a.ReadAt(p[:min(int64(len(p)), j.aSize-off)], off)
		total += n
		if err != nil && err != io.EOF {
			return total, err
		}
		if n < len(p) && off+int64(n) < j.aSize {
			return total, io.ErrUnexpectedEOF
		}
		p, off = p[n:], off+int64(n)
	}
	if len(p) == 0 {
		return total, nil
	}
	bo := off - j.aSize
	if bo >= int64(len(j.b)) {
		return total, io.EOF
	}
	n := copy(p, j.b[bo:])
	total += n
	if n < len(p) {
		return total, io.EOF
	}
	return total, nil
}
