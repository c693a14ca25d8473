package web_test

import (
	"bytes"
	"fmt"
	"strings"
)

// Artwork for the browser tests, generated so that its preflight outcome
// is known: an A5 leaflet drawn in CMYK vector shapes (no fonts, no
// images), with or without 3 mm bleed.

const (
	mm      = 72 / 25.4
	a5W     = 148 * mm
	a5H     = 210 * mm
	bleedPt = 3 * mm
)

// leaflet returns a PDF of the given number of A5 pages. With bleed, the
// media box extends 3 mm past the trim on every side and the background
// runs into it; without, the page ends at the trim.
func leaflet(pages int, bleed bool) []byte {
	b := 0.0
	if bleed {
		b = bleedPt
	}
	w, h := a5W+2*b, a5H+2*b
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("")
	tree := add("")
	var kids []string
	for n := 1; n <= pages; n++ {
		content := pageArt(n, w, h, b)
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		box := fmt.Sprintf("[%.2f %.2f %.2f %.2f]", b, b, w-b, h-b)
		p := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /TrimBox %s /BleedBox [0 0 %.2f %.2f] /Contents %d 0 R /Resources << >> >>",
			tree, w, h, box, w, h, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", p))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", tree)
	objs[tree-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), pages)

	var buf bytes.Buffer
	buf.WriteString("%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return buf.Bytes()
}

// pageArt draws a page: a full-bleed colour field, a sun, and bars where
// a headline and body text would be.
func pageArt(n int, w, h, b float64) string {
	var s strings.Builder
	rect := func(c, m, y, k, x0, y0, rw, rh float64) {
		fmt.Fprintf(&s, "%.2f %.2f %.2f %.2f k %.2f %.2f %.2f %.2f re f\n", c, m, y, k, x0, y0, rw, rh)
	}
	if n%2 == 1 {
		rect(0.85, 0.25, 0.45, 0.15, 0, 0, w, h) // deep teal, into the bleed
		circle(&s, "0 0.2 0.9 0", w*0.68, h*0.66, w*0.26)
		rect(0, 0, 0, 0, b+30, b+150, w*0.62, 26)
		rect(0, 0, 0, 0, b+30, b+115, w*0.45, 26)
		for i := range 4 {
			rect(0, 0, 0, 0.1, b+30, b+40+float64(i)*14, w*0.7-float64(i%2)*40, 6)
		}
		return s.String()
	}
	rect(0, 0, 0, 0, 0, 0, w, h)
	rect(0, 0.2, 0.9, 0, 0, h-b-70, w, 70+b) // a yellow band at the top edge
	for i := range 14 {
		rect(0, 0, 0, 0.75, b+30, h-b-130-float64(i)*16, w-2*b-60-float64(i%3)*30, 6)
	}
	rect(0.85, 0.25, 0.45, 0.15, b+30, b+40, w-2*b-60, 160)
	return s.String()
}

// circle fills a circle with four Bézier arcs.
func circle(s *strings.Builder, cmyk string, cx, cy, r float64) {
	k := 0.5523 * r
	fmt.Fprintf(s, "%s k %.2f %.2f m ", cmyk, cx+r, cy)
	fmt.Fprintf(s, "%.2f %.2f %.2f %.2f %.2f %.2f c ", cx+r, cy+k, cx+k, cy+r, cx, cy+r)
	fmt.Fprintf(s, "%.2f %.2f %.2f %.2f %.2f %.2f c ", cx-k, cy+r, cx-r, cy+k, cx-r, cy)
	fmt.Fprintf(s, "%.2f %.2f %.2f %.2f %.2f %.2f c ", cx-r, cy-k, cx-k, cy-r, cx, cy-r)
	fmt.Fprintf(s, "%.2f %.2f %.2f %.2f %.2f %.2f c f\n", cx+k, cy-r, cx+r, cy-k, cx+r, cy)
}
