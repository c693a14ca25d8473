package preflight

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// inkFixture is a generated one-page PDF whose heaviest object asks for a
// known total ink.
type inkFixture struct {
	name string
	pdf  func() []byte
	// want is the ink of the heaviest measured object in percent, 0 when
	// nothing on the page is measured; tol is how far ours may differ
	// (JPEG is lossy).
	want, tol float64
	// findings under the default and cmyk-strict profiles ("" = none).
	def, strict string
	// gs is false where Ghostscript is known to see something else, with
	// the reason in a comment.
	gs bool
}

func deflate(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// cmykImage stores a Flate-compressed 8-bit CMYK image of w×h pixels
// filled with bg, with the square [x0, x0+n) × [y0, y0+n) set to hot.
func cmykImage(w *pdfWriter, width, height int, bg, hot [4]byte, x0, y0, n int) int {
	pix := make([]byte, 0, width*height*4)
	for y := range height {
		for x := range width {
			c := bg
			if x >= x0 && x < x0+n && y >= y0 && y < y0+n {
				c = hot
			}
			pix = append(pix, c[:]...)
		}
	}
	return w.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /FlateDecode", width, height), deflate(pix))
}

func sepSpace(w *pdfWriter, name string, c1 string) string {
	fn := w.add(fmt.Sprintf("<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [%s] /N 1 >>", c1))
	return fmt.Sprintf("[/Separation /%s /DeviceCMYK %d 0 R]", name, fn)
}

func helvetica(w *pdfWriter) int {
	return w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
}

var inkFixtures = []inkFixture{
	{name: "CMYK 100/100/100/100", pdf: onePage(nil, "1 1 1 1 k 100 100 200 200 re f"), want: 400,
		def: "INK_COVERAGE_HIGH warning 1", strict: "INK_COVERAGE_HIGH error 1", gs: true},
	{name: "CMYK 60/50/50/80 passes", pdf: onePage(nil, "0.6 0.5 0.5 0.8 k 100 100 200 200 re f"), want: 240, gs: true},
	{name: "stroke heavier than fill", pdf: onePage(nil, "0.1 0.1 0.1 0.1 k 1 0.9 0.8 0.7 K 10 w 100 100 200 200 re B"), want: 340,
		def: "", strict: "INK_COVERAGE_HIGH error 1", gs: true},
	{
		name: "text in 4-colour black",
		pdf: onePage(func(w *pdfWriter) string { return fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", helvetica(w)) },
			"1 1 1 1 k BT /F1 72 Tf 100 500 Td (INK) Tj ET"),
		want: 400, def: "INK_COVERAGE_HIGH warning 1", strict: "INK_COVERAGE_HIGH error 1", gs: true,
	},
	{
		name: "spot at 100 % knocking out CMYK 80/70/70/90",
		pdf: onePage(func(w *pdfWriter) string {
			return fmt.Sprintf("<< /ColorSpace << /CS0 %s >> >>", sepSpace(w, "PANTONE#20185#20C", "0 0.8 0.9 0"))
		}, "0.8 0.7 0.7 0.9 k 50 50 300 300 re f /CS0 cs 1 sc 100 100 100 100 re f"),
		want: 310, gs: true,
	},
	{
		name: "DeviceN with a spot ink",
		pdf: onePage(func(w *pdfWriter) string {
			fn := w.stream("/FunctionType 4 /Domain [0 1 0 1 0 1 0 1 0 1] /Range [0 1 0 1 0 1 0 1]", []byte("{ pop }"))
			return fmt.Sprintf("<< /ColorSpace << /CS0 [/DeviceN [/Cyan /Magenta /Yellow /Black /Orange] /DeviceCMYK %d 0 R] >> >>", fn)
		}, "/CS0 cs 0.9 0.8 0.7 0.6 0.5 scn 100 100 200 200 re f"),
		want: 350, strict: "INK_COVERAGE_HIGH error 1", def: "INK_COVERAGE_HIGH warning 1", gs: true,
	},
	{
		name: "CMYK Flate image with a hot region",
		pdf: onePage(imageRes(func(w *pdfWriter) int {
			return cmykImage(w, 32, 32, [4]byte{51, 51, 51, 51}, [4]byte{255, 230, 204, 179}, 20, 6, 4)
		}), "q 256 0 0 256 100 100 cm /Im Do Q"),
		want: float64(255+230+204+179) * 100 / 255, def: "INK_COVERAGE_HIGH warning 1", strict: "INK_COVERAGE_HIGH error 1", gs: true,
	},
	{
		name: "16-bit CMYK image",
		pdf: onePage(imageRes(func(w *pdfWriter) int {
			px := []byte{0xff, 0xff, 0xff, 0xff, 0xcc, 0xcc, 0x80, 0x00} // 100, 100, 80, 50.0 %
			data := bytes.Repeat(px, 8*8)
			return w.stream("/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceCMYK /BitsPerComponent 16", data)
		}), "q 200 0 0 200 100 100 cm /Im Do Q"),
		want: 100 + 100 + 80 + 50.0008, tol: 0.06, strict: "INK_COVERAGE_HIGH error 1", gs: true,
	},
	{
		name: "CMYK JPEG (Adobe, inverted, with /Decode) at 300 %",
		pdf: onePage(imageRes(func(w *pdfWriter) int {
			jpg, err := os.ReadFile("testdata/cmyk-300.jpg")
			if err != nil {
				panic(err)
			}
			return w.stream("/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceCMYK /BitsPerComponent 8 /Filter /DCTDecode /Decode [1 0 1 0 1 0 1 0]", jpg)
		}), "q 256 0 0 256 100 100 cm /Im Do Q"),
		want: 300, tol: 3, gs: true,
	},
	{
		name: "Indexed image whose heavy palette entry is unused",
		pdf: onePage(imageRes(func(w *pdfWriter) int {
			// Entries: 40 %, 160 %, 400 % (never used). 7 px wide at
			// 4 bits, so each row ends in a padding nibble.
			pal := "<1a1a1a1a 8066664d ffffffff>"
			row := []byte{0x01, 0x01, 0x01, 0x00}
			data := bytes.Repeat(row, 5)
			return w.stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width 7 /Height 5 /ColorSpace [/Indexed /DeviceCMYK 2 %s] /BitsPerComponent 4", pal), data)
		}), "q 140 0 0 100 100 100 cm /Im Do Q"),
		want: float64(0x80+0x66+0x66+0x4d) * 100 / 255, gs: true,
	},
	{
		name: "inline CMYK image, unfiltered, and an inline Indexed one",
		pdf: onePage(nil, "q 100 0 0 100 100 100 cm BI /W 2 /H 2 /CS /CMYK /BPC 8 ID \xff\xff\xff\x00\x33\x33\x33\x33\x33\x33\x33\x33\x33\x33\x33\x33 EI Q "+
			"q 100 0 0 100 300 100 cm BI /W 2 /H 1 /CS [/I /CMYK 1 <33333333ffffffff>] /BPC 8 ID \x00\x00 EI Q"),
		want: 300, def: "", strict: "", gs: true,
	},
	{
		name: "registration (All) crop marks are not ink load",
		pdf: onePage(func(w *pdfWriter) string {
			return fmt.Sprintf("<< /ColorSpace << /R %s >> >>", sepSpace(w, "All", "1 1 1 1"))
		}, "/R CS 1 SC 2 w 5 5 m 30 5 l S 5 5 m 5 30 l S"),
		want: 0,
		// Ghostscript paints All on every plate, as the press would: 400 %.
		gs: false,
	},
	{
		name: "RGB image is not measured",
		pdf:  onePage(imageRes(func(w *pdfWriter) int { return w.image(30, 30, 3, 8, "/DeviceRGB") }), "q 100 0 0 100 100 100 cm /Im Do Q"),
		want: 0, def: "RGB_COLOR info 1", strict: "RGB_COLOR error 1",
	},
}

// inkProbe is the default profile with the ink check reporting anything
// above 1 %, so that every measured page names its heaviest object.
func inkProbe(t *testing.T) Profile {
	p, err := LoadProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	p.MaxInkCoverage = Ceiling{Warning: 1}
	return p
}

// measuredInk returns the page's ink as the finding states it, 0 when
// there is none.
func measuredInk(t *testing.T, rep *Report, page int) float64 {
	t.Helper()
	for _, f := range rep.Errors {
		if f.Code == CodeInkCoverage && f.Page == page {
			return f.Details["measured"].(float64)
		}
	}
	return 0
}

func TestInkCoverageKnownAnswers(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	probe := inkProbe(t)
	for _, fx := range inkFixtures {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			data := fx.pdf()
			got := measuredInk(t, checkBytes(t, e, data, probe, Expectations{}), 1)
			t.Logf("ink %.2f %%", got)
			if tol := max(fx.tol, 0.05); math.Abs(got-fx.want) > tol {
				t.Errorf("ink %.2f %%, want %.2f %% ± %.2f", got, fx.want, tol)
			}
			for _, prof := range []struct{ name, want string }{{"default", fx.def}, {"cmyk-strict", fx.strict}} {
				p, err := LoadProfile(prof.name)
				if err != nil {
					t.Fatal(err)
				}
				rep := checkBytes(t, e, data, p, Expectations{})
				gotF := ""
				for _, f := range rep.Errors {
					if f.Code == CodeInkCoverage || f.Code == CodeInkNotMeasured || f.Code == CodeRGB {
						gotF = fmt.Sprintf("%s %s %d", f.Code, f.Severity, f.Page)
						if f.Code == CodeInkCoverage && (f.Details["area"] == Box{} || f.Details["threshold"] == nil) {
							t.Errorf("%s: finding without area or threshold: %v", prof.name, f.Details)
						}
					}
				}
				if gotF != prof.want {
					t.Errorf("%s: ink finding %q, want %q", prof.name, gotF, prof.want)
				}
			}
		})
	}
}

// Once the time for decoding images is spent, the images left are named
// as not measured; the file is not failed.
func TestInkCoverageTimeBudget(t *testing.T) {
	t.Parallel()
	e, err := New(Options{MaxInkImageTime: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	heavy := onePage(imageRes(func(w *pdfWriter) int {
		return cmykImage(w, 16, 16, [4]byte{255, 255, 255, 255}, [4]byte{}, 0, 0, 0)
	}), "q 200 0 0 200 100 100 cm /Im Do Q")()
	rep := checkBytes(t, e, heavy, inkProbe(t), Expectations{})
	f := hasCode(rep, CodeInkNotMeasured)
	if f == nil || !strings.Contains(fmt.Sprint(f.Details["notMeasured"]), "used its time") {
		t.Fatalf("want a notice that the image was not measured for lack of time, got %v", findingCodes(rep))
	}
	if hasCode(rep, CodeInkCoverage) != nil || hasCode(rep, CodeTooComplex) != nil {
		t.Errorf("findings %v, want only the notice", findingCodes(rep))
	}
}

// An image larger than the engine decodes is named, never counted as 0.
func TestInkCoverageNamesImagesItCannotMeasure(t *testing.T) {
	t.Parallel()
	e, err := New(Options{MaxInkImageBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	p := inkProbe(t)
	big := onePage(imageRes(func(w *pdfWriter) int {
		return cmykImage(w, 64, 64, [4]byte{255, 255, 255, 255}, [4]byte{}, 0, 0, 0) // 16 K samples
	}), "q 200 0 0 200 100 100 cm /Im Do Q")()
	rep := checkBytes(t, e, big, p, Expectations{})
	f := hasCode(rep, CodeInkNotMeasured)
	if f == nil || f.Severity != SeverityInfo || f.Page != 1 {
		t.Fatalf("want an INK_COVERAGE_NOT_MEASURED notice on page 1, got %v", findingCodes(rep))
	}
	if hasCode(rep, CodeInkCoverage) != nil {
		t.Error("an unmeasured image raised INK_COVERAGE_HIGH")
	}
	t.Logf("%s: %v", f.Message, f.Details["notMeasured"])

	// Beside a measured object over the limit, the finding names it too.
	mixed := onePage(imageRes(func(w *pdfWriter) int {
		return cmykImage(w, 64, 64, [4]byte{255, 255, 255, 255}, [4]byte{}, 0, 0, 0)
	}), "1 1 1 0 k 0 0 50 50 re f q 200 0 0 200 100 100 cm /Im Do Q")()
	rep = checkBytes(t, e, mixed, p, Expectations{})
	if f := hasCode(rep, CodeInkCoverage); f == nil || f.Details["notMeasured"] == nil {
		t.Fatalf("want INK_COVERAGE_HIGH naming the unmeasured image, got %+v", rep.Errors)
	}
}

// Where objects overprint, inks add up beyond any one object; the finding
// says so instead of pretending the object value is the page's maximum.
func TestInkCoverageSaysWhenOverprintMayAdd(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	res := func(w *pdfWriter) string {
		return "<< /ExtGState << /OP << /Type /ExtGState /OP true /op true /OPM 1 >> >> >>"
	}
	for _, tt := range []struct {
		content string
		want    bool
	}{
		{"1 1 1 1 k 100 100 200 200 re f", false},
		{"1 1 1 1 k 100 100 200 200 re f /OP gs 0 0 0 1 k 150 150 50 50 re f", true},
		{"/OP gs 1 1 1 1 k 100 100 200 200 re f", true},
	} {
		rep := checkBytes(t, e, onePage(res, tt.content)(), p, Expectations{})
		f := hasCode(rep, CodeInkCoverage)
		if f == nil {
			t.Fatalf("%q: no ink finding: %v", tt.content, findingCodes(rep))
		}
		if got := f.Details["overprint"]; got != tt.want {
			t.Errorf("%q: overprint %v, want %v", tt.content, got, tt.want)
		}
	}
}

// An image placed on every page of a book is decoded once: the bytes read
// for five placements are those for one, plus five small pages.
func TestInkCoverageDecodesAnImageOnce(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	book := func(pages int) []byte {
		w := &pdfWriter{}
		media, trim, bleed := a4(3)
		pix := make([]byte, 128*128*4)
		for i := range pix {
			pix[i] = byte(i*7919 + i/13) // poorly compressible
		}
		im := w.stream("/Type /XObject /Subtype /Image /Width 128 /Height 128 /ColorSpace /DeviceCMYK /BitsPerComponent 8", pix)
		for range pages {
			w.page(pageSpec{media: media, trim: trim, bleed: bleed, resources: fmt.Sprintf("<< /XObject << /Im %d 0 R >> >>", im),
				content: "q 200 0 0 200 100 100 cm /Im Do Q"})
		}
		return w.bytes("")
	}
	read := func(data []byte) int64 {
		r := &countingReaderAt{r: bytes.NewReader(data)}
		if _, err := e.Check(t.Context(), r, int64(len(data)), p, Expectations{}); err != nil {
			t.Fatal(err)
		}
		return r.n.Load()
	}
	one, five := read(book(1)), read(book(5))
	if five-one > 128*128*4/2 {
		t.Errorf("five placements read %d bytes, one %d: the image was decoded more than once", five, one)
	}
}

func TestInkCoverageProfileValidation(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		json string
		ok   bool
	}{
		{`{"name":"x","maxInkCoveragePercent":{"warning":300,"error":320}}`, true},
		{`{"name":"x","maxInkCoveragePercent":{"warning":0,"error":0}}`, true},
		{`{"name":"x","maxInkCoveragePercent":{"warning":-1,"error":320}}`, false},
		{`{"name":"x","maxInkCoveragePercent":{"warning":340,"error":320}}`, false},
		{`{"name":"x","maxInkCoveragePercent":{"warn":340}}`, false},
	} {
		j := strings.Replace(tt.json, `{"name":"x",`, `{"name":"x","bleed":"off","trimBoxMissing":"off","mixedPageSizes":"off","fontNotEmbedded":"off","rgb":"off","lab":"off","spotColors":"off","tooManySpotColors":"off","whiteOverprint":"off","transparency":"off","outputIntent":"off",`, 1)
		_, err := ParseProfile([]byte(j))
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok %v", tt.json, err, tt.ok)
		}
	}
	for name, want := range map[string]Ceiling{"default": {Warning: 340}, "cmyk-strict": {Error: 320}} {
		p, err := LoadProfile(name)
		if err != nil {
			t.Fatal(err)
		}
		if p.MaxInkCoverage != want {
			t.Errorf("%s: maxInkCoveragePercent %+v, want %+v", name, p.MaxInkCoverage, want)
		}
	}
}
