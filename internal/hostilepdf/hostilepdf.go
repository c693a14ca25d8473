// Package hostilepdf generates hostile PDFs for tests and benchmarks:
// decompression bombs, forms that nest deeply or draw themselves, pages of
// millions of operators, absurd claimed sizes and broken encryption. Each
// is small and quick to make, and costs a careless reader gigabytes of
// memory or hours of work; a reader that keeps its limits turns each into
// an error or a finding in bounded time and memory.
//
// Generators are deterministic and return the file's bytes: a bomb that
// inflates to gigabytes is a few megabytes (see Zlib).
//
// internal/pdfwrite writes well-formed files front to back; hostile files
// need what it leaves out on purpose (objects that refer to themselves,
// object streams, cross-reference streams, trailers that lie), so they
// are built here with a small builder of their own.
package hostilepdf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
)

// Case is a hostile file with a name that says what is wrong with it.
type Case struct {
	Name string
	PDF  []byte
}

// file is a PDF being built: numbered objects, a page tree, and then a
// cross-reference table or stream and a trailer.
type file struct {
	objs  [][]byte // objs[i] is object i+1: a value, or a stream dictionary and its data
	pages []int
	// packed holds the objects written inside an object stream: number →
	// (object stream, index). Only a cross-reference stream can say so.
	packed map[int][2]int
}

// add stores an object and returns its number.
func (f *file) add(obj string) int {
	f.objs = append(f.objs, []byte(obj))
	return len(f.objs)
}

// reserve returns a number for an object set later, so that objects can
// refer to each other in a cycle.
func (f *file) reserve() int { return f.add("null") }

func (f *file) set(n int, obj string) { f.objs[n-1] = []byte(obj) }

// stream stores a stream object; dict holds its entries without /Length.
func (f *file) stream(dict string, data []byte) int {
	n := f.reserve()
	f.setStream(n, dict, data)
	return n
}

func (f *file) setStream(n int, dict string, data []byte) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< %s /Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	f.objs[n-1] = b.Bytes()
}

// page adds a 100 × 100 pt page with the given resources (a dictionary,
// or "" for none) and content stream object.
func (f *file) page(resources string, content int) int {
	if resources == "" {
		resources = "<< >>"
	}
	n := f.add(fmt.Sprintf("<< /Type /Page /Parent %%PARENT%% /MediaBox [0 0 100 100] /Resources %s /Contents %d 0 R >>", resources, content))
	f.pages = append(f.pages, n)
	return n
}

// tree adds the page tree and the catalog and returns their numbers.
func (f *file) tree() (pages, root int) {
	tree := f.reserve()
	kids := make([]string, len(f.pages))
	for i, p := range f.pages {
		kids[i] = fmt.Sprintf("%d 0 R", p)
		f.objs[p-1] = bytes.Replace(f.objs[p-1], []byte("%PARENT%"), fmt.Appendf(nil, "%d 0 R", tree), 1)
	}
	f.set(tree, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(f.pages)))
	return tree, f.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", tree))
}

const header = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

// objects writes the header and every object not packed in an object
// stream, and returns where each starts.
func (f *file) objects(b *bytes.Buffer) []int {
	b.WriteString(header)
	offsets := make([]int, len(f.objs))
	for i, o := range f.objs {
		if _, ok := f.packed[i+1]; ok {
			continue
		}
		offsets[i] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	return offsets
}

// classic writes the file with a page tree, a classic cross-reference
// table and a trailer with /Size, /Root and extra entries.
func (f *file) classic(extra string) []byte {
	_, root := f.tree()
	return f.classicRoot(root, extra)
}

// classicRoot is classic for a file whose page tree and catalog (root)
// are already added.
func (f *file) classicRoot(root int, extra string) []byte {
	var b bytes.Buffer
	offsets := f.objects(&b)
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(f.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(f.objs)+1, root, extra, xref)
	return b.Bytes()
}

// xrefStream writes the file, whose page tree and catalog (root) are
// already added, with a cross-reference stream, the only kind that can
// point into object streams.
func (f *file) xrefStream(root int, lie xrefLie) []byte {
	var b bytes.Buffer
	offsets := f.objects(&b)
	num := len(f.objs) + 1 // the cross-reference stream itself
	offsets = append(offsets, b.Len())
	var entries []byte
	entries = append(entries, 0, 0, 0, 0, 0, 0xff, 0xff) // object 0: free
	for i, off := range offsets {
		if at, ok := f.packed[i+1]; ok {
			entries = append(entries, 2)
			entries = binary.BigEndian.AppendUint32(entries, uint32(at[0]))
			entries = binary.BigEndian.AppendUint16(entries, uint16(at[1]))
			continue
		}
		entries = append(entries, 1)
		entries = binary.BigEndian.AppendUint32(entries, uint32(off))
		entries = append(entries, 0, 0)
	}
	size := int64(num + 1)
	if lie.size > 0 {
		size = lie.size
	}
	stream := Zlib(entries, []byte{0}, lie.zeros, nil)
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /Root %d 0 R /W [1 4 2] /Filter /FlateDecode %s /Length %d >>\nstream\n",
		num, size, root, lie.extra, len(stream))
	b.Write(stream)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", offsets[num-1])
	return b.Bytes()
}

// xrefLie is what a cross-reference stream says that is not so.
type xrefLie struct {
	size  int64  // its /Size, when not 0
	zeros int64  // zero bytes after its entries: free entries, seven bytes each
	extra string // more dictionary entries
}
