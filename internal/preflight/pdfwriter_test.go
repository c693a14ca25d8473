package preflight

import (
	"bytes"
	"fmt"
	"strings"
)

// pdfWriter builds small PDFs for tests, so that every fixture is
// generated with a known answer. Objects are numbered from 1 in the order
// they are added; the catalog and page tree come from page().
type pdfWriter struct {
	objs  []string
	pages []int
}

// add stores an object and returns its number.
func (w *pdfWriter) add(obj string) int {
	w.objs = append(w.objs, obj)
	return len(w.objs)
}

// reserve returns an object number to fill in later with set.
func (w *pdfWriter) reserve() int { return w.add("null") }

func (w *pdfWriter) set(n int, obj string) { w.objs[n-1] = obj }

// stream stores a stream object with the given extra dictionary entries.
func (w *pdfWriter) stream(dict string, data []byte) int {
	return w.add(fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
}

// grayImage stores an uncompressed DeviceGray image of w×h pixels.
func (w *pdfWriter) grayImage(width, height int, extra string) int {
	data := bytes.Repeat([]byte{0x80}, width*height)
	return w.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 %s", width, height, extra), data)
}

// image stores an uncompressed image in the given colour space.
func (w *pdfWriter) image(width, height, comps, bpc int, cs string) int {
	rowBytes := (width*comps*bpc + 7) / 8
	data := bytes.Repeat([]byte{0x55}, rowBytes*height)
	return w.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent %d", width, height, cs, bpc), data)
}

// pageSpec describes one page.
type pageSpec struct {
	media, trim, bleed string // "[x0 y0 x1 y1]" or ""
	resources          string
	content            string
	annots             string // the /Annots array, or ""
}

// page adds a page; the catalog is written by bytes().
func (w *pdfWriter) page(p pageSpec) int {
	c := w.stream("", []byte(p.content))
	d := "<< /Type /Page /Parent %PARENT% /MediaBox " + p.media
	if p.trim != "" {
		d += " /TrimBox " + p.trim
	}
	if p.bleed != "" {
		d += " /BleedBox " + p.bleed
	}
	res := p.resources
	if res == "" {
		res = "<< >>"
	}
	if p.annots != "" {
		d += " /Annots " + p.annots
	}
	d += fmt.Sprintf(" /Resources %s /Contents %d 0 R >>", res, c)
	n := w.add(d)
	w.pages = append(w.pages, n)
	return n
}

// bytes writes the file with a catalog (plus extra catalog entries).
func (w *pdfWriter) bytes(catalogExtra string) []byte {
	tree := w.reserve()
	kids := make([]string, len(w.pages))
	for i, p := range w.pages {
		kids[i] = fmt.Sprintf("%d 0 R", p)
		w.objs[p-1] = strings.Replace(w.objs[p-1], "%PARENT%", fmt.Sprintf("%d 0 R", tree), 1)
	}
	w.set(tree, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(w.pages)))
	root := w.add(fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R %s >>", tree, catalogExtra))
	var b bytes.Buffer
	b.WriteString("%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(w.objs))
	for i, o := range w.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(w.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(w.objs)+1, root, xref)
	return b.Bytes()
}

// a4 returns media, trim and bleed boxes for an A4 page with bleed mm of
// bleed on every side.
func a4(bleedMM float64) (media, trim, bleed string) {
	b := MM(bleedMM)
	w, h := MM(210), MM(297)
	media = fmt.Sprintf("[0 0 %.3f %.3f]", w+2*b, h+2*b)
	trim = fmt.Sprintf("[%.3f %.3f %.3f %.3f]", b, b, w+b, h+b)
	return media, trim, media
}
