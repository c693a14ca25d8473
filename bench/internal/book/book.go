// Package book writes the illustrated books the benchmarks check and fix:
// many pages, each with its own JPEG photo and lines of text in a
// standard font, written straight to disk so that a book of hundreds of
// megabytes never sits in memory.
package book

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"strings"
)

// Page is one page of a book: its size in points, boxes beyond the
// MediaBox as PDF dictionary entries ("/TrimBox [...]", or none), and its
// content, which draws the page's photo as /Im and its text in /F1.
type Page struct {
	Width, Height float64
	Boxes         string
	Content       []byte
}

// Write writes a book of n pages to path; page(i) describes page i, from
// 0. Each page gets its own 1000 × 1400 px JPEG photo.
func Write(path string, n int, page func(i int) Page) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	pw := &pdfOut{w: w}
	pw.printf("%%PDF-1.6\n%%\xe2\xe3\xcf\xd3\n")
	font := pw.obj("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>")
	pagesID := pw.reserve()
	var kids []string
	for i := range n {
		img, err := photo(i)
		if err != nil {
			return err
		}
		p := page(i)
		im := pw.stream("/Type /XObject /Subtype /Image /Width 1000 /Height 1400 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", img)
		c := pw.stream("", p.Content)
		pg := pw.obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f]%s /Resources << /Font << /F1 %d 0 R >> /XObject << /Im %d 0 R >> >> /Contents %d 0 R >>",
			pagesID, p.Width, p.Height, p.Boxes, font, im, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	pw.set(pagesID, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	root := pw.obj(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesID))
	pw.finish(root)
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// photo is a 1000 × 1400 px JPEG whose gradient differs with seed, so
// that no two pages share an image.
func photo(seed int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 1000, 1400))
	for y := 0; y < 1400; y++ {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < 1000; x++ {
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8(x/4+seed), uint8(y/6), uint8((x+y+seed*7)/9), 255
		}
	}
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 70})
	return b.Bytes(), err
}

// pdfOut writes numbered objects and the xref table.
type pdfOut struct {
	w       *bufio.Writer
	n       int64
	offsets []int64
	pending map[int]string
}

func (p *pdfOut) printf(format string, a ...any) {
	k, _ := fmt.Fprintf(p.w, format, a...)
	p.n += int64(k)
}

func (p *pdfOut) write(b []byte) {
	k, _ := p.w.Write(b)
	p.n += int64(k)
}

func (p *pdfOut) obj(body string) int {
	p.offsets = append(p.offsets, p.n)
	id := len(p.offsets)
	p.printf("%d 0 obj\n%s\nendobj\n", id, body)
	return id
}

func (p *pdfOut) stream(dict string, data []byte) int {
	p.offsets = append(p.offsets, p.n)
	id := len(p.offsets)
	p.printf("%d 0 obj\n<< %s /Length %d >>\nstream\n", id, dict, len(data))
	p.write(data)
	p.printf("\nendstream\nendobj\n")
	return id
}

// reserve takes a number for an object written later with set.
func (p *pdfOut) reserve() int {
	p.offsets = append(p.offsets, -1)
	if p.pending == nil {
		p.pending = map[int]string{}
	}
	return len(p.offsets)
}

func (p *pdfOut) set(id int, body string) { p.pending[id] = body }

func (p *pdfOut) finish(root int) {
	for id, body := range p.pending {
		p.offsets[id-1] = p.n
		p.printf("%d 0 obj\n%s\nendobj\n", id, body)
	}
	xref := p.n
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets)+1)
	for _, off := range p.offsets {
		p.printf("%010d 00000 n \n", off)
	}
	p.printf("trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(p.offsets)+1, root, xref)
}
