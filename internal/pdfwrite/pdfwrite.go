// Package pdfwrite writes simple PDFs as a stream, holding only the object
// offsets in memory: proofs made of page images, and the generated files
// that tests and benchmarks feed to the pipeline, up to hundreds of
// megabytes.
//
// It writes what it is given; a caller that passes a malformed dictionary
// or content stream gets a malformed PDF.
package pdfwrite

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Writer writes one PDF. Object 1 is the catalog and 2 the page tree, both
// written by Close, when the pages are known.
type Writer struct {
	w       *bufio.Writer
	n       int64   // bytes written so far
	offsets []int64 // offsets[i] is where object i+1 starts; 0 while reserved
	pages   []int
	err     error
}

// New starts a PDF on w.
func New(w io.Writer) *Writer {
	pw := &Writer{w: bufio.NewWriterSize(w, 256<<10), offsets: []int64{0, 0}}
	// A binary comment line tells transfer tools the file is binary.
	pw.printf("%%PDF-1.7\n%%\xe2\xe3\xcf\xd3\n")
	return pw
}

func (pw *Writer) printf(format string, args ...any) {
	if pw.err != nil {
		return
	}
	n, err := fmt.Fprintf(pw.w, format, args...)
	pw.n += int64(n)
	pw.err = err
}

func (pw *Writer) write(b []byte) {
	if pw.err != nil {
		return
	}
	n, err := pw.w.Write(b)
	pw.n += int64(n)
	pw.err = err
}

// begin starts object num (0 allocates the next number) and returns it.
func (pw *Writer) begin(num int) int {
	if num == 0 {
		pw.offsets = append(pw.offsets, 0)
		num = len(pw.offsets)
	}
	pw.offsets[num-1] = pw.n
	pw.printf("%d 0 obj\n", num)
	return num
}

// Object writes a non-stream object ("<< … >>", "[…]") and returns its
// number.
func (pw *Writer) Object(body string) int {
	num := pw.begin(0)
	pw.printf("%s\nendobj\n", body)
	return num
}

// Stream writes a stream object whose dictionary holds dict (without the
// brackets and /Length) and returns its number.
func (pw *Writer) Stream(dict string, data []byte) int {
	num := pw.begin(0)
	pw.printf("<< %s /Length %d >>\nstream\n", dict, len(data))
	pw.write(data)
	pw.printf("\nendstream\nendobj\n")
	return num
}

// Page describes one page. Boxes are [x0 y0 x1 y1] in points; TrimBox and
// BleedBox are left out when nil.
type Page struct {
	MediaBox          [4]float64
	TrimBox, BleedBox *[4]float64
	CropBox           *[4]float64
	// Rotate is the page's /Rotate, degrees clockwise; 0 is left out.
	Rotate int
	// Resources is the page's resource dictionary, e.g.
	// "<< /XObject << /Im1 5 0 R >> >>"; empty for none.
	Resources string
	Content   []byte
}

// Page writes a page with its content stream.
func (pw *Writer) Page(p Page) {
	content := pw.Stream("", p.Content)
	var b strings.Builder
	fmt.Fprintf(&b, "<< /Type /Page /Parent 2 0 R /MediaBox %s", box(p.MediaBox))
	if p.TrimBox != nil {
		fmt.Fprintf(&b, " /TrimBox %s", box(*p.TrimBox))
	}
	if p.BleedBox != nil {
		fmt.Fprintf(&b, " /BleedBox %s", box(*p.BleedBox))
	}
	if p.CropBox != nil {
		fmt.Fprintf(&b, " /CropBox %s", box(*p.CropBox))
	}
	if p.Rotate != 0 {
		fmt.Fprintf(&b, " /Rotate %d", p.Rotate)
	}
	if p.Resources != "" {
		fmt.Fprintf(&b, " /Resources %s", p.Resources)
	}
	fmt.Fprintf(&b, " /Contents %d 0 R >>", content)
	pw.pages = append(pw.pages, pw.Object(b.String()))
}

// ImagePage writes a page that shows one image filling it: the shape of a
// proof page. img is the image XObject's number.
func (pw *Writer) ImagePage(img int, widthPt, heightPt float64) {
	pw.Page(Page{
		MediaBox:  [4]float64{0, 0, widthPt, heightPt},
		Resources: fmt.Sprintf("<< /XObject << /Im %d 0 R >> >>", img),
		Content:   fmt.Appendf(nil, "q %s 0 0 %s 0 0 cm /Im Do Q", num(widthPt), num(heightPt)),
	})
}

// JPEG writes a JPEG (baseline or progressive, RGB) as an image XObject.
func (pw *Writer) JPEG(data []byte, width, height int) int {
	return pw.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", width, height), data)
}

// Close writes the page tree, the catalog, the cross-reference table and
// the trailer, and flushes. It does not close the underlying writer.
func (pw *Writer) Close() error {
	kids := make([]string, len(pw.pages))
	for i, p := range pw.pages {
		kids[i] = fmt.Sprintf("%d 0 R", p)
	}
	pw.begin(2)
	pw.printf("<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", strings.Join(kids, " "), len(pw.pages))
	pw.begin(1)
	pw.printf("<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	xref := pw.n
	pw.printf("xref\n0 %d\n0000000000 65535 f \n", len(pw.offsets)+1)
	for _, off := range pw.offsets {
		pw.printf("%010d 00000 n \n", off)
	}
	pw.printf("trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(pw.offsets)+1, xref)
	if pw.err == nil {
		pw.err = pw.w.Flush()
	}
	if pw.err != nil {
		return fmt.Errorf("write pdf: %w", pw.err)
	}
	return nil
}

func box(b [4]float64) string {
	return fmt.Sprintf("[%s %s %s %s]", num(b[0]), num(b[1]), num(b[2]), num(b[3]))
}

// num writes a PDF number: no exponent, at most 4 decimals.
func num(f float64) string {
	s := strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.4f", f), "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}
