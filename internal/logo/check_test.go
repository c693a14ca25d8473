package logo

import (
	"bytes"
	"image"
	"image/jpeg"
	"strings"
	"testing"
)

func TestCheckFormats(t *testing.T) {
	t.Parallel()
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 30, 20)), nil); err != nil {
		t.Fatal(err)
	}
	p := pngBytes(t, 240, 80)
	tests := []struct {
		name     string
		data     []byte
		ct, ext  string
		w, h     int
		wantCode string
	}{
		{"png", p, "image/png", "png", 240, 80, ""},
		{"jpeg", jpg.Bytes(), "image/jpeg", "jpg", 30, 20, ""},
		{"svg", []byte(cleanSVG), "image/svg+xml", "svg", 0, 0, ""},
		{"truncated png", p[:len(p)/2], "", "", 0, 0, CodeNotAnImage},
		{"html", []byte("<!DOCTYPE html><html><body><img src=logo.png></body></html>"), "", "", 0, 0, CodeNotAnImage},
		{"html without doctype", []byte("<html><head><title>Sign in</title></head><body><form></form></body></html>"), "", "", 0, 0, CodeNotAnImage},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", "", 0, 0, CodeNotAnImage},
		{"empty", nil, "", "", 0, 0, CodeNotAnImage},
		{"too many bytes", append(append([]byte{}, p...), make([]byte, MaxBytes)...), "", "", 0, 0, CodeTooLarge},
		{"too many pixels", pngBytes(t, MaxSide+1, 1), "", "", 0, 0, CodeTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, prob := Check(tt.data, "")
			if tt.wantCode != "" {
				if prob == nil || prob.Code != tt.wantCode {
					t.Fatalf("Check = %+v, want %s", prob, tt.wantCode)
				}
				return
			}
			if prob != nil {
				t.Fatalf("Check: %v", prob)
			}
			if img.ContentType != tt.ct || img.Ext != tt.ext || img.Width != tt.w || img.Height != tt.h {
				t.Fatalf("Check = %s %s %d×%d, want %s %s %d×%d", img.ContentType, img.Ext, img.Width, img.Height, tt.ct, tt.ext, tt.w, tt.h)
			}
		})
	}
}

// TestHTMLNamed: the usual mistake, a link to a page rather than to the
// image, is named as such.
func TestHTMLNamed(t *testing.T) {
	t.Parallel()
	_, p := Check([]byte("<!doctype html>\n<html lang=en><title>Acme</title>"), "text/html; charset=utf-8")
	if p == nil || !strings.Contains(p.Message, "HTML page") {
		t.Fatalf("Check(html) = %+v, want a message naming an HTML page", p)
	}
}

func TestSanitizeSVGKeeps(t *testing.T) {
	t.Parallel()
	img, p := Check([]byte(cleanSVG), "image/svg+xml")
	if p != nil {
		t.Fatal(p)
	}
	out := string(img.Data)
	for _, want := range []string{`<svg xmlns="http://www.w3.org/2000/svg"`, `fill="url(#g)"`, `xlink:href="#dot"`,
		`<text class="word" x="20" y="52">ACME &amp; Co</text>`, `<linearGradient id="g">`, `fill: url(#g);`} {
		if !strings.Contains(out, want) {
			t.Errorf("rewritten SVG lacks %s:\n%s", want, out)
		}
	}
	for _, gone := range []string{"metadata", "inkscape", "rdf", "Generator"} {
		if strings.Contains(out, gone) {
			t.Errorf("rewritten SVG keeps %s:\n%s", gone, out)
		}
	}
	// What is served must itself pass the check unchanged.
	again, p := Check(img.Data, "")
	if p != nil || !bytes.Equal(again.Data, img.Data) {
		t.Fatalf("the rewritten SVG does not check to itself: %v\n%s\n%s", p, img.Data, again.Data)
	}
}

func TestSanitizeSVGRefuses(t *testing.T) {
	t.Parallel()
	const head = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">`
	tests := map[string]string{
		"script":              head + `<script>alert(1)</script></svg>`,
		"script in a dropped": head + `<metadata><script>alert(1)</script></metadata></svg>`,
		"foreignObject":       head + `<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject></svg>`,
		"onload":              `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
		"onclick upper":       head + `<rect ONCLICK="alert(1)"/></svg>`,
		"external href":       head + `<image href="https://tracker.example/p.png"/></svg>`,
		"javascript href":     head + `<a xlink:href="javascript:alert(1)"><rect/></a></svg>`,
		"external use":        head + `<use href="other.svg#icon"/></svg>`,
		"style url":           head + `<rect style="fill: url(https://tracker.example/p.svg#g)"/></svg>`,
		"attribute url":       head + `<rect fill="url( 'https://tracker.example/x' )"/></svg>`,
		"import":              head + `<style>@import "https://fonts.example/x.css";</style></svg>`,
		"font-face url":       head + `<style>@font-face { src: url(https://fonts.example/f.woff) }</style></svg>`,
		"css escape":          head + `<style>rect { fill: \75 rl(https://x.example/) }</style></svg>`,
		"doctype entity":      `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]>` + head + `&x;</svg>`,
		"stylesheet pi":       `<?xml-stylesheet href="https://x.example/s.css"?>` + head + `</svg>`,
	}
	for name, svg := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, p := Check([]byte(svg), "image/svg+xml")
			if p == nil || p.Code != CodeUnsafeSVG {
				t.Fatalf("Check = %+v, want %s", p, CodeUnsafeSVG)
			}
		})
	}
}

func TestSanitizeSVGDropsAnimation(t *testing.T) {
	t.Parallel()
	// set could turn an href into a script link in a browser that runs
	// it: it is dropped with its content, not kept.
	in := `<svg xmlns="http://www.w3.org/2000/svg"><a href="#x"><set attributeName="href" to="javascript:alert(1)"/><rect id="x"/></a></svg>`
	img, p := Check([]byte(in), "")
	if p != nil {
		t.Fatal(p)
	}
	if strings.Contains(string(img.Data), "set") || strings.Contains(string(img.Data), "javascript") {
		t.Fatalf("animation kept: %s", img.Data)
	}
	if !strings.Contains(string(img.Data), `<rect id="x"></rect>`) {
		t.Fatalf("shape lost: %s", img.Data)
	}
}

func FuzzCheckSVG(f *testing.F) {
	f.Add([]byte(cleanSVG))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect onload="x"/></svg>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !looksLikeXML(b) {
			return // the raster decoders are the standard library's
		}
		img, p := Check(b, "")
		if p != nil {
			return
		}
		// Whatever passes must pass again as itself, with nothing active.
		again, p := Check(img.Data, "")
		if p != nil || !bytes.Equal(again.Data, img.Data) {
			t.Fatalf("rewritten SVG does not check to itself: %v\n%q", p, img.Data)
		}
		low := strings.ToLower(string(img.Data))
		for _, bad := range []string{"<script", "<foreignobject", "<!doctype", "<!entity"} {
			if strings.Contains(low, bad) {
				t.Fatalf("rewritten SVG holds %s: %q", bad, img.Data)
			}
		}
	})
}
