package logo

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"

	"golang.org/x/image/webp"
)

// Limits of a logo. A logo is shown about 40 pixels high: these leave
// room for any real logo and none for a file meant to exhaust the
// server or the customer's browser.
const (
	// MaxBytes is the largest logo file accepted: 1 MiB.
	MaxBytes = 1 << 20
	// MaxSide is the largest width or height of a PNG, JPEG or WebP logo,
	// and MaxPixels their largest area: decoding one to check it takes
	// at most 4 bytes a pixel, 64 MiB.
	MaxSide   = 8192
	MaxPixels = 16 << 20
)

// Codes of a logo that failed. They are stable API (docs/api.md).
const (
	// CodeFetchFailed: the URL did not give a file: an HTTP status other
	// than 200, a redirect, no answer in time, or an address Submit does
	// not fetch from.
	CodeFetchFailed = "LOGO_FETCH_FAILED"
	// CodeNotAnImage: the file is not a PNG, JPEG, WebP or SVG image (an
	// HTML page, another format, a damaged file).
	CodeNotAnImage = "LOGO_NOT_AN_IMAGE"
	// CodeTooLarge: above MaxBytes, or larger in pixels than MaxSide or
	// MaxPixels.
	CodeTooLarge = "LOGO_TOO_LARGE"
	// CodeUnsafeSVG: an SVG with active content (scripts, event handlers,
	// foreignObject, references to other files, a DOCTYPE); refused, not
	// cleaned, so that what the customer sees is what was sent.
	CodeUnsafeSVG = "LOGO_UNSAFE_SVG"
)

// Codes lists every code, in the order the OpenAPI document gives them.
var Codes = []string{CodeFetchFailed, CodeNotAnImage, CodeTooLarge, CodeUnsafeSVG}

// Problem is why a logo was refused: a code and a message in words for
// the ERP that sent it, saying what to do.
type Problem struct {
	Code    string
	Message string
}

func (p *Problem) Error() string { return p.Code + ": " + p.Message }

func problem(code, format string, args ...any) *Problem {
	return &Problem{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Image is a checked logo, ready to store and serve.
type Image struct {
	Data        []byte // for SVG, the file as Submit rewrote it
	ContentType string
	Ext         string // file extension: png, jpg, webp, svg
	Width       int    // pixels; 0 for SVG
	Height      int
}

// Check tells what b is from its bytes alone, never from the
// Content-Type the host sent (contentType only words the refusal), and
// returns it checked: a PNG, JPEG or WebP that decodes whole within the
// limits, or an SVG rewritten from its parse (see sanitizeSVG).
func Check(b []byte, contentType string) (Image, *Problem) {
	if len(b) > MaxBytes {
		return Image{}, tooLarge(int64(len(b)))
	}
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return checkRaster(b, "PNG", "image/png", "png", png.DecodeConfig, png.Decode)
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return checkRaster(b, "JPEG", "image/jpeg", "jpg", jpeg.DecodeConfig, jpeg.Decode)
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return checkRaster(b, "WebP", "image/webp", "webp", webp.DecodeConfig, webp.Decode)
	case looksLikeXML(b):
		data, p := sanitizeSVG(b, contentType)
		if p != nil {
			return Image{}, p
		}
		return Image{Data: data, ContentType: "image/svg+xml", Ext: "svg"}, nil
	}
	return Image{}, notAnImage(b, contentType)
}

func tooLarge(size int64) *Problem {
	return problem(CodeTooLarge, "The logo is %s, more than the 1 MiB limit. Use a smaller file: a logo is shown about 40 pixels high, so a PNG of a few hundred pixels, or an SVG, is plenty.", formatSize(size))
}

func formatSize(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", (n+1023)/1024)
}

type decodeConfig func(r io.Reader) (image.Config, error)
type decode func(r io.Reader) (image.Image, error)

// checkRaster reads the size from the header first, so that a small file
// claiming a huge image is refused before it is decoded, then decodes the
// whole image: a truncated or damaged file would show broken.
func checkRaster(b []byte, name, ct, ext string, cfg decodeConfig, dec decode) (Image, *Problem) {
	c, err := cfg(bytes.NewReader(b))
	if err != nil {
		return Image{}, problem(CodeNotAnImage, "The logo starts like a %s file but cannot be read (%s). Export it again as PNG, JPEG, WebP or SVG.", name, plain(err))
	}
	if c.Width <= 0 || c.Height <= 0 {
		return Image{}, problem(CodeNotAnImage, "The logo is a %s file without pixels (%d × %d). Export it again.", name, c.Width, c.Height)
	}
	if c.Width > MaxSide || c.Height > MaxSide || c.Width*c.Height > MaxPixels {
		return Image{}, problem(CodeTooLarge, "The logo is %d × %d pixels, more than Submit accepts (at most %d pixels a side and %d megapixels). A logo is shown about 40 pixels high: scale it down.",
			c.Width, c.Height, MaxSide, MaxPixels>>20)
	}
	if _, err := dec(bytes.NewReader(b)); err != nil {
		return Image{}, problem(CodeNotAnImage, "The logo is a damaged %s file (%s). Export it again as PNG, JPEG, WebP or SVG.", name, plain(err))
	}
	return Image{Data: b, ContentType: ct, Ext: ext, Width: c.Width, Height: c.Height}, nil
}

// plain is a decoder's error without its package's prefix ("png: ").
func plain(err error) string {
	s := err.Error()
	for _, p := range []string{"image: ", "png: ", "jpeg: ", "webp: ", "riff: ", "vp8: ", "vp8l: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// notAnImage words the refusal of what is no logo, naming what it seems
// to be: an HTML page is the usual mistake (a link to the page that shows
// the logo, or a sign-in page).
func notAnImage(b []byte, contentType string) *Problem {
	const what = "Link to the image file itself: a PNG, JPEG, WebP or SVG."
	sniffed := http.DetectContentType(b)
	switch {
	case len(b) == 0:
		return problem(CodeNotAnImage, "The logo URL answered with an empty file. %s", what)
	case strings.HasPrefix(sniffed, "text/html"):
		return problem(CodeNotAnImage, "The logo URL gives an HTML page, not an image (a web page that shows the logo, or a sign-in page). %s", what)
	case strings.HasPrefix(sniffed, "image/gif"):
		return problem(CodeNotAnImage, "The logo is a GIF, which Submit does not accept. Export it as PNG, WebP or SVG.")
	case strings.HasPrefix(sniffed, "image/"):
		return problem(CodeNotAnImage, "The logo is an image of type %s, which Submit does not accept. Export it as PNG, JPEG, WebP or SVG.", sniffed)
	}
	if contentType != "" {
		return problem(CodeNotAnImage, "The logo URL does not give an image (its server calls it %q, and its bytes are not a PNG, JPEG, WebP or SVG). %s", clip(contentType, 60), what)
	}
	return problem(CodeNotAnImage, "The logo URL does not give an image (its bytes are not a PNG, JPEG, WebP or SVG). %s", what)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
