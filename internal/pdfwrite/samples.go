package pdfwrite

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
)

// Sample files for tests and benchmarks, each with a known preflight
// answer under the default profile.

// mm is millimetres in points.
func mm(v float64) float64 { return v * 72 / 25.4 }

// SampleSpec describes a generated file.
type SampleSpec struct {
	Pages int
	// TrimW and TrimH are the trim size in millimetres; default A4.
	TrimW, TrimH float64
	// BleedMM is the bleed drawn and declared; default 3.
	BleedMM float64
	// Image, when set, places one picture of this many pixels on each
	// page, filling the trim box: 2480×3508 is 300 ppi on A4.
	ImageW, ImageH int
	// JPEGQuality of the pictures; default 90. Noisier pictures are
	// larger: Noise from 0 (smooth) to 255.
	JPEGQuality, Noise int
	// DistinctImages makes every page's picture its own object, for large
	// files; otherwise one picture is shared by every page.
	DistinctImages bool
	// Lines draws this many lines of "greeked" text (word-sized bars) on
	// each page, like a book page; there are no fonts to embed.
	Lines int
}

// WriteSample writes a PDF that passes the default profile: pages with
// trim and bleed boxes, colour running into the bleed, thick lines, and
// the pictures asked for.
func WriteSample(w io.Writer, s SampleSpec) error {
	if s.TrimW == 0 {
		s.TrimW, s.TrimH = 210, 297
	}
	if s.BleedMM == 0 {
		s.BleedMM = 3
	}
	b := mm(s.BleedMM)
	tw, th := mm(s.TrimW), mm(s.TrimH)
	media := [4]float64{0, 0, tw + 2*b, th + 2*b}
	trim := [4]float64{b, b, b + tw, b + th}
	bleed := media
	pw := New(w)
	var pic []byte
	if s.ImageW > 0 {
		var err error
		if pic, err = picture(s.ImageW, s.ImageH, s.JPEGQuality, s.Noise); err != nil {
			return err
		}
	}
	shared := 0
	for i := 0; i < s.Pages; i++ {
		var content bytes.Buffer
		// A tinted background into the bleed, a frame inside the trim.
		fmt.Fprintf(&content, "0.1 0.2 0.6 0.%d k 0 0 %s %s re f\n", i%10, num(media[2]), num(media[3]))
		fmt.Fprintf(&content, "1 w 0 0 0 1 K %s %s %s %s re S\n", num(b+20), num(b+20), num(tw-40), num(th-40))
		greek(&content, s.Lines, b+mm(20), b+th-mm(25), tw-mm(40), i)
		res := ""
		if pic != nil {
			img := shared
			if img == 0 || s.DistinctImages {
				img = pw.JPEG(pic, s.ImageW, s.ImageH)
				shared = img
			}
			res = fmt.Sprintf("<< /XObject << /Im %d 0 R >> >>", img)
			fmt.Fprintf(&content, "q %s 0 0 %s %s %s cm /Im Do Q\n", num(tw), num(th), num(b), num(b))
		}
		pw.Page(Page{MediaBox: media, TrimBox: &trim, BleedBox: &bleed, Resources: res, Content: content.Bytes()})
	}
	return pw.Close()
}

// greek draws lines of word-sized bars from the top-left corner (x, top),
// varied by page so that pages differ.
func greek(w *bytes.Buffer, lines int, x, top, width float64, page int) {
	if lines == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(page), 7))
	w.WriteString("0 0 0 1 k\n")
	lead := (top - 2*x/3) / float64(lines)
	for l := 0; l < lines; l++ {
		y := top - float64(l)*lead
		for cx := x; ; {
			word := 8 + rng.Float64()*40
			if cx+word > x+width {
				break
			}
			fmt.Fprintf(w, "%s %s %s 6 re\n", num(cx), num(y), num(word))
			cx += word + 4
		}
	}
	w.WriteString("f\n")
}

// WriteLowResolution writes a one-page file that fails the default
// profile: a 40×40 pixel picture stretched over the page (under 10 ppi).
func WriteLowResolution(w io.Writer) error {
	pic, err := picture(40, 40, 90, 40)
	if err != nil {
		return err
	}
	b := mm(3)
	tw, th := mm(210), mm(297)
	media := [4]float64{0, 0, tw + 2*b, th + 2*b}
	trim := [4]float64{b, b, b + tw, b + th}
	pw := New(w)
	img := pw.JPEG(pic, 40, 40)
	pw.Page(Page{
		MediaBox: media, TrimBox: &trim, BleedBox: &media,
		Resources: fmt.Sprintf("<< /XObject << /Im %d 0 R >> >>", img),
		Content:   fmt.Appendf(nil, "q %s 0 0 %s 0 0 cm /Im Do Q", num(media[2]), num(media[3])),
	})
	return pw.Close()
}

// picture encodes a colourful gradient with noise as a JPEG.
func picture(w, h, quality, noise int) ([]byte, error) {
	if quality == 0 {
		quality = 90
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := 0
			if noise > 0 {
				n = rng.IntN(noise+1) - noise/2
			}
			img.SetRGBA(x, y, color.RGBA{
				R: clamp(x*255/max(w, 1) + n), G: clamp(y*255/max(h, 1) + n), B: clamp((x+y)*128/max(w+h, 1) + 64 + n), A: 255,
			})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("encode picture: %w", err)
	}
	return buf.Bytes(), nil
}

func clamp(v int) uint8 { return uint8(min(max(v, 0), 255)) }
