package pdfobj

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// testPDF writes small PDFs with a known structure for the tests: classic
// tables, cross-reference streams, object streams, incremental updates.
type testPDF struct {
	buf        bytes.Buffer
	offs       map[int]int64
	compressed map[int][2]int // object → object stream, index
}

func newPDF() *testPDF {
	p := &testPDF{offs: map[int]int64{}, compressed: map[int][2]int{}}
	p.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return p
}

func (p *testPDF) obj(n int, body string) {
	p.offs[n] = int64(p.buf.Len())
	fmt.Fprintf(&p.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

// stream writes a stream; dict gets /Length unless it has one.
func (p *testPDF) stream(n int, dict string, data []byte) {
	if !strings.Contains(dict, "/Length") {
		dict += fmt.Sprintf(" /Length %d", len(data))
	}
	p.offs[n] = int64(p.buf.Len())
	fmt.Fprintf(&p.buf, "%d 0 obj\n<<%s>>\nstream\n", n, dict)
	p.buf.Write(data)
	p.buf.WriteString("\nendstream\nendobj\n")
}

// objStm writes object stream n holding objs in the order of nums.
func (p *testPDF) objStm(n int, nums []int, objs map[int]string) {
	var head, body strings.Builder
	for i, num := range nums {
		fmt.Fprintf(&head, "%d %d ", num, body.Len())
		body.WriteString(objs[num] + "\n")
		p.compressed[num] = [2]int{n, i}
	}
	p.stream(n, fmt.Sprintf("/Type /ObjStm /N %d /First %d", len(nums), head.Len()), []byte(head.String()+body.String()))
}

// table writes a classic xref section for nums (all written objects when
// nil) with the given trailer keys, and the startxref that points to it.
func (p *testPDF) table(nums []int, trailer string) int64 {
	if nums == nil {
		for n := range p.offs {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	at := int64(p.buf.Len())
	p.buf.WriteString("xref\n0 1\n0000000000 65535 f\r\n")
	for _, n := range nums {
		fmt.Fprintf(&p.buf, "%d 1\n%010d 00000 n\r\n", n, p.offs[n])
	}
	fmt.Fprintf(&p.buf, "trailer\n<<%s>>\nstartxref\n%d\n%%%%EOF\n", trailer, at)
	return at
}

// xrefStream writes cross-reference stream n for every object written
// (and compressed) so far, with the given trailer keys.
func (p *testPDF) xrefStream(n int, trailer string, final bool) int64 {
	at := int64(p.buf.Len())
	p.offs[n] = at
	size := n + 1
	var data []byte
	for i := 0; i < size; i++ {
		switch {
		case p.compressed[i] != [2]int{}:
			c := p.compressed[i]
			data = append(data, 2, 0, 0, byte(c[0]>>8), byte(c[0]), 0, byte(c[1]))
		case p.offs[i] != 0:
			o := p.offs[i]
			data = append(data, 1, byte(o>>24), byte(o>>16), byte(o>>8), byte(o), 0, 0)
		default:
			data = append(data, 0, 0, 0, 0, 0, 0, 0)
		}
	}
	p.stream(n, fmt.Sprintf("/Type /XRef /W [1 4 2] /Size %d %s", size, trailer), data)
	if final {
		fmt.Fprintf(&p.buf, "startxref\n%d\n%%%%EOF\n", at)
	}
	return at
}

func (p *testPDF) bytes() []byte { return p.buf.Bytes() }

// onePage writes the catalog (1), the page tree (2), a page (3) and its
// content (4).
func (p *testPDF) onePage(content string) {
	p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>")
	p.stream(4, "", []byte(content))
}

func minimalPDF() []byte {
	p := newPDF()
	p.onePage("0 0 m 10 10 l S")
	p.table(nil, "/Size 5 /Root 1 0 R")
	return p.bytes()
}

// refLoopPDF has references to references in a loop (5 → 6 → 5) in the
// page's resources.
func refLoopPDF() []byte {
	p := newPDF()
	p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources 5 0 R /Contents 4 0 R >>")
	p.stream(4, "", []byte("q Q"))
	p.obj(5, "6 0 R")
	p.obj(6, "5 0 R")
	p.table(nil, "/Size 7 /Root 1 0 R")
	return p.bytes()
}

// deepPDF nests arrays depth levels deep in the page dictionary.
func deepPDF(depth int) []byte {
	p := newPDF()
	p.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	p.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	p.obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Junk "+strings.Repeat("[", depth)+strings.Repeat("]", depth)+" >>")
	p.table(nil, "/Size 4 /Root 1 0 R")
	return p.bytes()
}
