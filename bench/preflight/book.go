package main

import (
	"fmt"
	"strings"

	"github.com/atomyx/submit/bench/internal/book"
)

// writeBook writes an A5 book of n pages: on each page a distinct
// 1000 × 1400 px JPEG photo (CMYK-free, RGB), 24 lines of text and a
// rule, with 3 mm bleed boxes, like an illustrated novel from a layout
// program.
func writeBook(path string, n int) error {
	return book.Write(path, n, func(i int) book.Page {
		return book.Page{Width: 436.54, Height: 612.28,
			Boxes: " /TrimBox [8.5 8.5 428.04 603.78] /BleedBox [0 0 436.54 612.28]", Content: pageContent(i)}
	})
}

// pageContent is a page's photo, a rule and 24 lines of text.
func pageContent(i int) []byte {
	var b strings.Builder
	b.WriteString("q 300 0 0 210 68 360 cm /Im Do Q\n0.5 w 0 0 0 1 K 40 350 m 396 350 l S\n")
	b.WriteString("BT /F1 9.5 Tf 12 TL 40 330 Td\n")
	for l := range 24 {
		fmt.Fprintf(&b, "(Page %d, line %d: the quick brown fox jumps over the lazy dog again and again.) '\n", i+1, l+1)
	}
	b.WriteString("ET\n")
	return []byte(b.String())
}
