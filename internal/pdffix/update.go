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
	"strings"

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

// write copies the original to w and appends the update. The update is
// made first, so that nothing is written when it cannot be.
func (u *update) write(w io.Writer) error {
	tail, err := u.tail()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := io.Copy(bw, io.NewSectionReader(u.r, 0, u.size)); err != nil {
		return fmt.Errorf("copy the original: %w", err)
	}
	if _, err := bw.Write(tail); err != nil {
		return err
	}
	return bw.Flush()
}

// tail returns the update: what follows the original bytes.
func (u *update) tail() ([]byte, error) {
	prev, stream, err := u.lastXRef()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotFixable, err)
	}
	trailer := u.doc.Trailer()
	size := u.next
	for _, o := range u.objs {
		size = max(size, o.num+1)
	}
	var out bytes.Buffer
	pos := func() int64 { return u.size + int64(out.Len()) }
	var text strings.Builder
	object := func(o types.Object) error {
		text.Reset()
		if err := writeObject(&text, o); err != nil {
			return err
		}
		out.WriteString(text.String())
		return nil
	}
	out.WriteString("\n")
	offsets := map[int]int64{}
	slices.SortFunc(u.objs, func(a, b newObject) int { return a.num - b.num })
	for _, o := range u.objs {
		offsets[o.num] = pos()
		fmt.Fprintf(&out, "%d %d obj\n", o.num, o.gen)
		if err := object(o.dict); err != nil {
			return nil, fmt.Errorf("%w: object %d: %v", ErrNotFixable, o.num, err)
		}
		if o.stream == nil {
			out.WriteString("\nendobj\n")
			continue
		}
		out.WriteString("\nstream\n")
		out.Write(o.stream)
		out.WriteString("\nendstream\nendobj\n")
	}
	next := types.Dict{"Size": types.Integer(size), "Prev": types.Integer(prev)}
	for _, k := range []string{"Root", "Info", "ID"} {
		if v, ok := trailer[k]; ok {
			next[k] = v
		}
	}
	if !stream {
		xrefAt := pos()
		out.WriteString("xref\n")
		for _, o := range u.objs {
			fmt.Fprintf(&out, "%d 1\n%010d %05d n \n", o.num, offsets[o.num], o.gen)
		}
		out.WriteString("trailer\n")
		if err := object(next); err != nil {
			return nil, fmt.Errorf("%w: trailer: %v", ErrNotFixable, err)
		}
		fmt.Fprintf(&out, "\nstartxref\n%d\n%%%%EOF\n", xrefAt)
		return out.Bytes(), nil
	}
	// A cross-reference stream: one more object, numbered size, which
	// lists itself too. Entries are type 1 (in use, at an offset): one
	// byte of type, four of offset, two of generation.
	xrefNum, xrefAt := size, pos()
	if xrefAt > 1<<32-1 {
		return nil, fmt.Errorf("%w: the file is too large for a four-byte offset", ErrNotFixable)
	}
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
	next["Index"] = index
	next["Length"] = types.Integer(data.Len())
	fmt.Fprintf(&out, "%d 0 obj\n", xrefNum)
	if err := object(next); err != nil {
		return nil, fmt.Errorf("%w: trailer: %v", ErrNotFixable, err)
	}
	out.WriteString("\nstream\n")
	out.Write(data.Bytes())
	out.WriteString("\nendstream\nendobj\n")
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", xrefAt)
	return out.Bytes(), nil
}
