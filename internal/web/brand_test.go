package web

import (
	"fmt"
	"math"
	"testing"
)

// TestContrast: the WCAG 2 contrast ratio, on values WCAG's own examples
// and common checkers give.
func TestContrast(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48},
		{"#767676", "#ffffff", 4.54},
		{"#1a73e8", "#ffffff", 4.51},
		{"#ffd400", "#ffffff", 1.43},
	} {
		a, _ := parseHex(tt.a)
		b, _ := parseHex(tt.b)
		if got := contrast(a, b); math.Abs(got-tt.want) > 0.005 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
		if contrast(a, b) != contrast(b, a) {
			t.Errorf("contrast(%s, %s) depends on the order", tt.a, tt.b)
		}
	}
}

// TestPalette: for every colour of a 16-level grid of each channel (4,096
// brand colours), text on the button and the ink on the page's background
// reach WCAG's 4.5:1, marks 3:1, and a colour that already does is kept as
// it is.
func TestPalette(t *testing.T) {
	t.Parallel()
	for r := 0; r < 256; r += 17 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 17 {
				brand := rgb{float64(r), float64(g), float64(b)}
				hex := brand.hex()
				p := newPalette(hex)
				accent, _ := parseHex(p.Accent)
				on, _ := parseHex(p.OnAccent)
				ink, _ := parseHex(p.Ink)
				mark, _ := parseHex(p.Mark)
				if c := contrast(mark, pageBg); c < minMarkContrast {
					t.Errorf("%s: mark %s on the page has contrast %.2f", hex, p.Mark, c)
				}
				if c := contrast(accent, on); c < minContrast {
					t.Errorf("%s: %s text on the %s button has contrast %.2f", hex, p.OnAccent, p.Accent, c)
				}
				for _, bg := range []rgb{white, pageBg} {
					if c := contrast(ink, bg); c < minContrast {
						t.Errorf("%s: ink %s on %s has contrast %.2f", hex, p.Ink, bg.hex(), c)
					}
				}
				if max(contrast(brand, white), contrast(brand, nearly)) >= minContrast && p.Accent != hex {
					t.Errorf("%s: readable as a button, yet changed to %s", hex, p.Accent)
				}
				if contrast(brand, pageBg) >= minContrast && p.Ink != hex {
					t.Errorf("%s: readable as text, yet changed to %s", hex, p.Ink)
				}
				if ink.luminance() > brand.luminance() {
					t.Errorf("%s: ink %s is lighter than the brand colour", hex, p.Ink)
				}
			}
		}
	}
}

// TestPaletteExamples: what a few brands get, for the docs' sake.
func TestPaletteExamples(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		brand string
		want  string // Accent OnAccent Ink
	}{
		{"#0F766E", "#0f766e #ffffff #0f766e"}, // dark enough for everything
		{"#ffd400", "#ffd400 #111111 #877000"}, // light: dark text on the button, dark ink
		{"#797979", "#757575 #ffffff #737373"}, // mid-tone: neither text colour reaches 4.5:1
		{"nonsense", "#1a73e8 #ffffff #1970e1"},
	} {
		p := newPalette(tt.brand)
		if got := fmt.Sprintf("%s %s %s", p.Accent, p.OnAccent, p.Ink); got != tt.want {
			t.Errorf("newPalette(%s) = %s, want %s", tt.brand, got, tt.want)
		}
	}
}
