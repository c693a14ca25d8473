package main

import (
	"fmt"
	"strings"

	"github.com/atomyx/submit/bench/internal/book"
)

// A4 in points.
const a4W, a4H = 595.28, 841.89

// writeBook writes an A4 book of n pages as a word processor exports one:
// no TrimBox or bleed, a tinted background and a photo that run to the
// edge of the page, 40 lines of text in a standard font; every tenth page
// is landscape (a table or chart set the other way). Each page has its
// own 1000 × 1400 px JPEG photo.
func writeBook(path string, n int) error {
	return book.Write(path, n, func(i int) book.Page {
		width, height := a4W, a4H
		if i%10 == 9 {
			width, height = a4H, a4W
		}
		return book.Page{Width: width, Height: height, Content: pageContent(i, width, height)}
	})
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
