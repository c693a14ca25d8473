package pdffix

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/atomyx/submit/internal/pdfobj"
)

// update is an incremental update: new versions of some objects, written
// after the original bytes with a cross-reference section of the same
// kind as the file's last (a table, or a stream), whose /Prev is that
// section, so that a reader finds the new versions first and everything
// else where it was.
type update struct {
	doc  *pdfobj.Doc
	r    io.ReaderAt
	size int64
	objs []newObject
	next int // the number the next new object takes
}

type newObject struct {
	num, gen int
	dict     types.Dict
	stream   []byte // the stream's data, for a stream object; nil otherwise
}

// newUpdate starts an update of doc, the file of the given size read
// through r. New objects are numbered after every number the file uses,
// whatever its trailer's /Size claims, and after every number the trailer
// refers to: a dangling /Info must not come to name a new stream.
func newUpdate(doc *pdfobj.Doc, r io.ReaderAt, size int64) *update {
	next := 1
	for _, v := range doc.Trailer() {
		switch v := v.(type) {
		case types.Integer:
			next = max(next, v.Value()) // /Size
		case types.IndirectRef:
			next = max(next, v.ObjectNumber.Value()+1)
		}
	}
	for _, n := range doc.ObjectNumbers() {
		next = max(next, n+1)
	}
	return &update{doc: doc, r: r, size: size, next: next}
}

// set writes a new version of object num with dict.
func (u *update) set(num, gen int, dict types.Dict) {
	u.objs = append(u.objs, newObject{num: num, gen: gen, dict: dict})
}

// addStream adds a new stream object with dict (its /Length is set here)
// and data, and returns its number.
func (u *update) addStream(dict types.Dict, data []byte) int {
	num := u.next
	u.next++
	dict["Length"] = types.Integer(len(data))
	u.objs = append(u.objs, newObject{num: num, dict: dict, stream: data})
	return num
}

// tailSize is how much of the end of the file is searched for startxref.
const tailSize = 2048

// lastXRef finds the offset of the file's last cross-reference section and
// whether it is a stream.
func (u *update) lastXRef() (off int64, stream bool, err error) {
	head := make([]byte, 5)
	if _, err := u.r.ReadAt(head, 0); err != nil || string(head) != "%PDF-" {
		return 0, false, errors.New("the file does not begin with its PDF header")
	}
	n := min(u.size, tailSize)
	tail := make([]byte, n)
	if _, err := u.r.ReadAt(tail, u.size-n); err != nil && !errors.Is(err, io.EOF) {
		return 0, false, err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, false, errors.New("no startxref at the end of the file")
	}
	fields := bytes.Fields(tail[i+len("startxref"):])
	if len(fields) == 0 {
		return 0, false, errors.New("startxref has no offset")
	}
	off, err = strconv.ParseInt(string(fields[0]), 10, 64)
	if err != nil || off <= 0 || off >= u.size {
		return 0, false, errors.New("startxref's offset is outside the file")
	}
	peek := make([]byte, 4)
	if _, err := u.r.ReadAt(peek, off); err != nil {
		return 0, false, err
	}
	return off, string(peek) != "xref", nil
}

// write copies the original to w and appends the update.
func (u *update) write(w io.Writer) error {
	prev, stream, err := u.lastXRef()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotFixable, err)
	}
	trailer := u.doc.Trailer()
	size := u.next
	for _, o := range u.objs {
		size = max(size, o.num+1)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := io.Copy(bw, io.NewSectionReader(u.r, 0, u.size)); err != nil {
		return fmt.Errorf("copy the original: %w", err)
	}
	pos := u.size
	put := func(s string) {
		n, _ := bw.WriteString(s)
		pos += int64(n)
	}
	put("\n")
	offsets := map[int]int64{}
	slices.SortFunc(u.objs, func(a, b newObject) int { return a.num - b.num })
	for _, o := range u.objs {
		offsets[o.num] = pos
		if o.stream == nil {
			put(fmt.Sprintf("%d %d obj\n%s\nendobj\n", o.num, o.gen, o.dict.PDFString()))
			continue
		}
		put(fmt.Sprintf("%d %d obj\n%s\nstream\n", o.num, o.gen, o.dict.PDFString()))
		n, _ := bw.Write(o.stream)
		pos += int64(n)
		put("\nendstream\nendobj\n")
	}
	next := types.Dict{"Size": types.Integer(size), "Prev": types.Integer(prev)}
	for _, k := range []string{"Root", "Info", "ID"} {
		if v, ok := trailer[k]; ok {
			next[k] = v
		}
	}
	if !stream {
		xrefAt := pos
		put("xref\n")
		for _, o := range u.objs {
			put(fmt.Sprintf("%d 1\n%010d %05d n \n", o.num, offsets[o.num], o.gen))
		}
		put("trailer\n" + next.PDFString() + "\n")
		put(fmt.Sprintf("startxref\n%d\n%%%%EOF\n", xrefAt))
		return bw.Flush()
	}
	// A cross-reference stream: one more object, numbered size, which
	// lists itself too. Entries are type 1 (in use, at an offset): one
	// byte of type, four of offset, two of generation.
	xrefNum, xrefAt := size, pos
	next["Size"] = types.Integer(size + 1)
	next["Type"] = types.Name("XRef")
	next["W"] = types.Array{types.Integer(1), types.Integer(4), types.Integer(2)}
	var index types.Array
	var data bytes.Buffer
	entry := func(num int, off int64, gen int) {
		index = append(index, types.Integer(num), types.Integer(1))
		data.WriteByte(1)
		_ = binary.Write(&data, binary.BigEndian, uint32(off))
		_ = binary.Write(&data, binary.BigEndian, uint16(gen))
	}
	for _, o := range u.objs {
		entry(o.num, offsets[o.num], o.gen)
	}
	entry(xrefNum, xrefAt, 0)
	if xrefAt > 1<<32-1 {
		return fmt.Errorf("%w: the file is too large for a four-byte offset", ErrNotFixable)
	}
	next["Index"] = index
	next["Length"] = types.Integer(data.Len())
	put(fmt.Sprintf("%d 0 obj\n%s\nstream\n", xrefNum, next.PDFString()))
	n, _ := bw.Write(data.Bytes())
	pos += int64(n)
	put("\nendstream\nendobj\n")
	put(fmt.Sprintf("startxref\n%d\n%%%%EOF\n", xrefAt))
	return bw.Flush()
}
