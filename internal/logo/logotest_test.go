package logo

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// pngBytes is a real PNG of w × h pixels.
func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, h/2, color.NRGBA{0x1a, 0x73, 0xe8, 0xff})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cleanSVG is an SVG such as editors export: with their metadata, a
// gradient referenced by url(#id) and a use of a symbol.
const cleanSVG = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generator: an editor -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 240 80" width="240" height="80" inkscape:version="1.3">
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <defs>
    <linearGradient id="g"><stop offset="0" stop-color="#1a73e8"/><stop offset="1" stop-color="#0b3d91"/></linearGradient>
    <symbol id="dot"><circle cx="5" cy="5" r="5"/></symbol>
  </defs>
  <style>.word { font: bold 32px sans-serif; fill: url(#g); }</style>
  <rect width="240" height="80" rx="8" fill="url(#g)" inkscape:label="background"/>
  <text class="word" x="20" y="52">ACME &amp; Co</text>
  <use xlink:href="#dot" x="220" y="10"/>
</svg>`
