package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// defaultAccent is the accent of a job without a brand colour.
const defaultAccent = "#1a73e8"

// The page's backgrounds, as customer.css has them: --card and --bg.
var (
	white  = rgb{0xff, 0xff, 0xff}
	pageBg = rgb{0xf8, 0xfa, 0xfc}
	nearly = rgb{0x11, 0x11, 0x11} // --text, the dark choice for text on the accent
)

// minContrast is WCAG 2.2's AA minimum for normal text (1.4.3);
// minMarkContrast its minimum for the parts of controls and graphics one
// needs to see (1.4.11).
const (
	minContrast     = 4.5
	minMarkContrast = 3
)

// palette is the brand colour and the colours derived from it so that
// every combination the pages use stays readable, whatever colour the ERP
// sent: a pale yellow brand still gets dark button text and dark links.
// It is computed here, on the server, so that the page is readable before
// (and without) any script.
type palette struct {
	Accent   string // button and progress background: the brand colour, darkened when no text colour reaches 4.5:1 on it
	OnAccent string // text on Accent: #fff or #111, whichever contrasts more
	Ink      string // links, focus rings, headings on the page: the brand colour darkened to 4.5:1 on --bg (and so on white)
	Mark     string // the progress bar's fill, ticks, the current thumbnail's frame: the brand colour darkened to 3:1 on --bg
	Tint     string // a very light wash of the accent for highlighted areas
}

// newPalette derives the palette from a #RGB or #RRGGBB colour; anything
// else falls back to the default accent.
func newPalette(hex string) palette {
	c, ok := parseHex(hex)
	if !ok {
		c, _ = parseHex(defaultAccent)
	}
	// A mid-tone (say #e0607e) reaches 4.5:1 with neither white nor #111:
	// the button then takes a darker shade, under white text.
	accent, on := c, white
	switch {
	case contrast(c, nearly) > contrast(c, white) && contrast(c, nearly) >= minContrast:
		on = nearly
	case contrast(c, white) < minContrast:
		accent = darken(c, white, minContrast)
	}
	return palette{
		Accent:   accent.hex(),
		OnAccent: on.hex(),
		Ink:      darken(c, pageBg, minContrast).hex(),
		Mark:     darken(c, pageBg, minMarkContrast).hex(),
		Tint:     c.mix(white, 0.92).hex(),
	}
}

// darken returns c, or the lightest shade of it towards black that has at
// least the given contrast with bg (lighter than c). Mixing towards black
// keeps the hue, so the shade still reads as the brand's colour. The steps
// are of 1 %, so the answer is at most a shade darker than it needs to be.
func darken(c, bg rgb, ratio float64) rgb {
	for i := 0; i <= 100; i++ {
		d := c.mix(rgb{}, float64(i)/100)
		if contrast(d.round(), bg) >= ratio {
			return d.round()
		}
	}
	return rgb{}
}

type rgb struct{ r, g, b float64 }

func parseHex(s string) (rgb, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return rgb{}, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return rgb{}, false
	}
	return rgb{float64(v >> 16 & 0xff), float64(v >> 8 & 0xff), float64(v & 0xff)}, true
}

func (c rgb) hex() string {
	return fmt.Sprintf("#%02x%02x%02x", int(math.Round(c.r)), int(math.Round(c.g)), int(math.Round(c.b)))
}

// round is c as a page can show it: whole 8-bit channels, as hex writes
// it, so that a contrast computed on it is the page's contrast.
func (c rgb) round() rgb { return rgb{math.Round(c.r), math.Round(c.g), math.Round(c.b)} }

// mix moves c towards o by t (0 keeps c, 1 gives o).
func (c rgb) mix(o rgb, t float64) rgb {
	return rgb{c.r + (o.r-c.r)*t, c.g + (o.g-c.g)*t, c.b + (o.b-c.b)*t}
}

// luminance is the WCAG 2 relative luminance.
func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		v /= 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

// contrast is the WCAG 2 contrast ratio of two colours, 1 to 21.
func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
