package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"strings"
)

// A4 in points.
const a4W, a4H = 595.28, 841.89

// writeBook writes an A4 book of n pages as a word processor exports one:
// no TrimBox or bleed, a tinted background and a photo that run to the
// edge of the page, 40 lines of text in a standard font; every tenth page
// is landscape (a table or chart set the other way). Each page has its
// own 1000 × 1400 px JPEG photo.
func writeBook(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
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
		width, height := a4W, a4H
		if i%10 == 9 {
			width, height = a4H, a4W
		}
		im := pw.stream("/Type /XObject /Subtype /Image /Width 1000 /Height 1400 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", img)
		c := pw.stream("", pageContent(i, width, height))
		pg := pw.obj(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /Font << /F1 %d 0 R >> /XObject << /Im %d 0 R >> >> /Contents %d 0 R >>",
			pagesID, width, height, font, im, c))
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

// pageContent is a page of width × height: a background to the edges, a
// photo filling the top half to the edges, a rule and 40 lines of text.
func pageContent(i int, width, height float64) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "q 0.95 0.92 0.85 rg 0 0 %.2f %.2f re f Q\n", width, height)
	fmt.Fprintf(&b, "q %.2f 0 0 %.2f 0 %.2f cm /Im Do Q\n", width, height/2, height/2)
	fmt.Fprintf(&b, "0.5 w 0 0 0 RG 56 %.2f m %.2f %.2f l S\n", height/2-20, width-56, height/2-20)
	fmt.Fprintf(&b, "BT /F1 10 Tf 12 TL 56 %.2f Td\n", height/2-40)
	for l := range 40 {
		if float64(l)*12 > height/2-80 {
			break
		}
		fmt.Fprintf(&b, "(Page %d, line %d: the quick brown fox jumps over the lazy dog again and again.) '\n", i+1, l+1)
	}
	b.WriteString("ET\n")
	return []byte(b.String())
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
