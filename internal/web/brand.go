package web

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// defaultAccent is the accent of a job without a brand colour.
const defaultAccent = "#1a73e8"

// palette is the brand colour and the colours derived from it so that
// every combination the pages use stays readable, whatever colour the ERP
// sent: a pale yellow brand still gets dark button text and dark links.
type palette struct {
	Accent   string // button and progress background: the brand colour
	OnAccent string // text on Accent: #fff or #111, whichever contrasts more
	Ink      string // links, focus rings, headings on white: Accent darkened to 4.5:1
	Tint     string // a very light wash of the accent for highlighted areas
}

// newPalette derives the palette from a #RGB or #RRGGBB colour; anything
// else falls back to the default accent.
func newPalette(hex string) palette {
	c, ok := parseHex(hex)
	if !ok {
		c, _ = parseHex(defaultAccent)
	}
	p := palette{Accent: c.hex(), OnAccent: "#ffffff"}
	if contrast(c, rgb{0x11, 0x11, 0x11}) > contrast(c, rgb{0xff, 0xff, 0xff}) {
		p.OnAccent = "#111111"
	}
	ink := c
	for i := 0; i < 20 && contrast(ink, rgb{0xff, 0xff, 0xff}) < 4.5; i++ {
		ink = ink.scale(0.88)
	}
	p.Ink = ink.hex()
	p.Tint = c.mix(rgb{0xff, 0xff, 0xff}, 0.92).hex()
	return p
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

func (c rgb) scale(f float64) rgb { return rgb{c.r * f, c.g * f, c.b * f} }

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
