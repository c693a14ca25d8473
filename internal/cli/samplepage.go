package cli

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/atomyx/submit/internal/pdfwrite"
)

// The sample PDF's page: what a printer expects of a flyer, drawn with
// shapes only, so that there is no font to embed or to miss. It is
// written here, not with pdfwrite.WriteSample, so that it reads as a
// sample on the customer's proof: a title in block letters on a colour
// band running into the bleed, and lines of "greeked" text.

// sampleBleedMM is the bleed drawn and declared on every side.
const sampleBleedMM = 3

// glyphs are 5×7 block letters, top row first, for the title.
var glyphs = map[rune][7]string{
	'S': {".###.", "#...#", "#....", ".###.", "....#", "#...#", ".###."},
	'U': {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
	'B': {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."},
	'M': {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"},
	'I': {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."},
	'T': {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."},
	'A': {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"},
	'P': {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
	'L': {"#....", "#....", "#....", "#....", "#....", "#....", "#####"},
	'E': {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
	' ': {".....", ".....", ".....", ".....", ".....", ".....", "....."},
}

func mmToPt(v float64) float64 { return v * 72 / 25.4 }

func pt(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// writeSamplePDF writes pages of trimW × trimH millimetres with bleed.
func writeSamplePDF(w io.Writer, trimW, trimH float64, pages int) error {
	b := mmToPt(sampleBleedMM)
	tw, th := mmToPt(trimW), mmToPt(trimH)
	media := [4]float64{0, 0, tw + 2*b, th + 2*b}
	trim := [4]float64{b, b, b + tw, b + th}
	pw := pdfwrite.New(w)
	for i := range pages {
		pw.Page(pdfwrite.Page{MediaBox: media, TrimBox: &trim, BleedBox: &media, Content: samplePage(b, tw, th, i)})
	}
	return pw.Close()
}

// samplePage is the content stream of page i (from 0) of a trim box tw ×
// th points placed at (b, b) on a media box with bleed b on every side.
func samplePage(b, tw, th float64, i int) []byte {
	var c bytes.Buffer
	mw, mh := tw+2*b, th+2*b
	// A light tint over the whole page and a band at the top, both into
	// the bleed, as the trimming needs.
	fmt.Fprintf(&c, "0.04 0.02 0 0 k 0 0 %s %s re f\n", pt(mw), pt(mh))
	band := mmToPt(60)
	fmt.Fprintf(&c, "0.9 0.55 0 0.1 k 0 %s %s %s re f\n", pt(mh-b-band), pt(mw), pt(band+b))
	// The title, in white on the band, 70 % of the trim width.
	const title = "SUBMIT SAMPLE"
	cell := 0.7 * tw / float64(len(title)*6-1)
	x0 := b + (tw-cell*float64(len(title)*6-1))/2
	y0 := mh - b - band/2 + 3.5*cell
	c.WriteString("0 0 0 0 k\n")
	for n, r := range title {
		g := glyphs[r]
		for row, bits := range g {
			// One rectangle per run of set cells, so that no seam shows
			// between neighbours.
			for col := 0; col < len(bits); {
				if bits[col] != '#' {
					col++
					continue
				}
				end := col
				for end < len(bits) && bits[end] == '#' {
					end++
				}
				x := x0 + float64(n*6+col)*cell
				y := y0 - float64(row+1)*cell
				fmt.Fprintf(&c, "%s %s %s %s re\n", pt(x), pt(y), pt(float64(end-col)*cell), pt(cell))
				col = end
			}
		}
	}
	c.WriteString("f\n")
	// A frame inside the trim, 1 pt: thick enough for any press.
	inset := mmToPt(10)
	fmt.Fprintf(&c, "1 w 0 0 0 1 K %s %s %s %s re S\n", pt(b+inset), pt(b+inset), pt(tw-2*inset), pt(th-band-2*inset))
	// Lines of word-sized bars, different on each page.
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	c.WriteString("0 0 0 0.85 k\n")
	left, right := b+2*inset, b+tw-2*inset
	for y := mh - b - band - 2*inset - 6; y > b+2*inset; y -= 18 {
		for x := left; ; {
			word := 8 + rng.Float64()*40
			if x+word > right {
				break
			}
			fmt.Fprintf(&c, "%s %s %s 6 re\n", pt(x), pt(y), pt(word))
			x += word + 5
		}
	}
	c.WriteString("f\n")
	return c.Bytes()
}
