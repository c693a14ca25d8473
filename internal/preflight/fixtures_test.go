package preflight

import (
	"fmt"
	"math"
)

// fixture is a generated PDF with the answer we expect for it.
type fixture struct {
	name    string
	pdf     func() []byte
	profile string
	exp     Expectations
	// want lists "CODE severity page" of the findings expected; findings
	// not listed must not appear (except the ones in ignore).
	want   []string
	ignore []string
	// ppi lists the expected effective ppi of each placed image, in order.
	ppi [][2]float64
	// poppler says whether pdfimages can be asked: its ppi formula ignores
	// rotation, so rotated placements are checked against the known
	// answer only.
	poppler bool
}

const r45 = math.Sqrt2 / 2

// onePage builds a one-page A4 PDF with 3 mm bleed and the given resources
// and content.
func onePage(resources func(w *pdfWriter) string, content string) func() []byte {
	return func() []byte {
		w := &pdfWriter{}
		media, trim, bleed := a4(3)
		res := ""
		if resources != nil {
			res = resources(w)
		}
		w.page(pageSpec{media: media, trim: trim, bleed: bleed, resources: res, content: content})
		return w.bytes("")
	}
}

func imageRes(mk func(w *pdfWriter) int) func(w *pdfWriter) string {
	return func(w *pdfWriter) string { return fmt.Sprintf("<< /XObject << /Im %d 0 R >> >>", mk(w)) }
}

func gray150(w *pdfWriter) int { return w.grayImage(150, 150, "") }

var fixtures = []fixture{
	{name: "clean page", pdf: onePage(nil, "0 0 0 1 k 100 100 200 200 re f"), poppler: true},
	{
		name: "images at 72, 150 and 300 ppi",
		pdf: onePage(imageRes(gray150),
			"q 150 0 0 150 50 50 cm /Im Do Q q 72 0 0 72 250 50 cm /Im Do Q q 36 0 0 36 400 50 cm /Im Do Q"),
		want:    []string{"LOW_RESOLUTION_IMAGE error 1", "LOW_RESOLUTION_IMAGE warning 1"},
		ppi:     [][2]float64{{72, 72}, {150, 150}, {300, 300}},
		poppler: true,
	},
	{
		name: "image in a form scaled ×2",
		pdf: onePage(func(w *pdfWriter) string {
			im := gray150(w)
			fm := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Matrix [2 0 0 2 0 0] /Resources << /XObject << /Im %d 0 R >> >>", im),
				[]byte("q 36 0 0 36 10 10 cm /Im Do Q"))
			return fmt.Sprintf("<< /XObject << /Fm %d 0 R >> >>", fm)
		}, "q 1 0 0 1 100 100 cm /Fm Do Q"),
		want:    []string{"LOW_RESOLUTION_IMAGE warning 1"},
		ppi:     [][2]float64{{150, 150}},
		poppler: true,
	},
	{
		name: "image rotated 45°",
		pdf: onePage(imageRes(gray150),
			fmt.Sprintf("q %.4f %.4f %.4f %.4f 300 300 cm /Im Do Q", 72*r45, 72*r45, -72*r45, 72*r45)),
		want: []string{"LOW_RESOLUTION_IMAGE warning 1"},
		ppi:  [][2]float64{{150, 150}},
	},
	{
		name: "image rotated 45° in a form scaled ×2",
		pdf: onePage(func(w *pdfWriter) string {
			im := w.grayImage(300, 300, "")
			fm := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [-100 -100 100 100] /Matrix [%.4f %.4f %.4f %.4f 0 0] /Resources << /XObject << /Im %d 0 R >> >>", 2*r45, 2*r45, -2*r45, 2*r45, im),
				[]byte("q 36 0 0 36 0 0 cm /Im Do Q"))
			return fmt.Sprintf("<< /XObject << /Fm %d 0 R >> >>", fm)
		}, "q 1 0 0 1 300 300 cm /Fm Do Q"),
		ppi: [][2]float64{{300, 300}},
	},
	{
		name:    "1-bit image at 300 ppi uses the line-art thresholds",
		pdf:     onePage(imageRes(func(w *pdfWriter) int { return w.image(300, 300, 1, 1, "/DeviceGray") }), "q 72 0 0 72 100 100 cm /Im Do Q"),
		want:    []string{"LOW_RESOLUTION_BITMAP warning 1"},
		ppi:     [][2]float64{{300, 300}},
		poppler: true,
	},
	{
		name: "soft mask is not reported as a low-resolution image",
		pdf: onePage(imageRes(func(w *pdfWriter) int {
			mask := w.grayImage(20, 20, "")
			return w.image(300, 300, 1, 8, fmt.Sprintf("/DeviceGray /SMask %d 0 R", mask))
		}), "q 72 0 0 72 100 100 cm /Im Do Q"),
		ppi:     [][2]float64{{300, 300}},
		poppler: true,
	},
	{
		name:    "tiny image stretched over the page is exempt",
		pdf:     onePage(imageRes(func(w *pdfWriter) int { return w.grayImage(8, 8, "") }), "q 500 0 0 700 10 10 cm /Im Do Q"),
		ppi:     [][2]float64{{1.2, 0.8}},
		poppler: true,
	},
	{
		name: "font not embedded; invisible text ignored",
		pdf: onePage(func(w *pdfWriter) string {
			f1 := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
			f2 := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>")
			return fmt.Sprintf("<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>", f1, f2)
		}, "BT /F1 12 Tf 100 700 Td (Visible) Tj ET BT 3 Tr /F2 12 Tf 100 600 Td (OCR layer) Tj ET"),
		want:    []string{"FONT_NOT_EMBEDDED error 1"},
		poppler: true,
	},
	{
		name: "embedded font is fine",
		pdf: onePage(func(w *pdfWriter) string {
			return fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", embeddedFont(w))
		}, "BT /F1 12 Tf 100 700 Td (Hello) Tj ET"),
		poppler: true,
	},
	{
		// A Tf naming a font the resources lack leaves no font of the
		// file current: viewers draw that text in a substitute font, so it
		// is reported, not credited to the embedded font set before it.
		name: "text in a font the resources lack",
		pdf: onePage(func(w *pdfWriter) string {
			return fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", embeddedFont(w))
		}, "BT /F1 12 Tf 100 700 Td (Hello) Tj /F2 12 Tf 0 -20 Td (World) Tj ET"),
		want:    []string{"FONT_NOT_EMBEDDED error 1"},
		poppler: true,
	},
	{
		name: "RGB image and RGB fill",
		pdf: onePage(imageRes(func(w *pdfWriter) int { return w.image(300, 300, 3, 8, "/DeviceRGB") }),
			"1 0 0 rg 0 0 100 100 re f q 72 0 0 72 100 100 cm /Im Do Q"),
		want:    []string{"RGB_COLOR info 1"},
		ppi:     [][2]float64{{300, 300}},
		poppler: true,
	},
	{
		name:    "RGB in a CMYK profile",
		pdf:     onePage(nil, "1 0 0 rg 0 0 100 100 re f"),
		profile: "cmyk-strict",
		want:    []string{"RGB_COLOR error 1"},
		ignore:  []string{CodeOutputIntent},
	},
	{
		name: "ICC-based RGB in a CMYK profile",
		pdf: onePage(func(w *pdfWriter) string {
			icc := w.stream("/N 3 /Alternate /DeviceRGB", []byte("not a real profile"))
			return fmt.Sprintf("<< /ColorSpace << /CS0 [/ICCBased %d 0 R] >> >>", icc)
		}, "/CS0 cs 0.2 0.4 0.6 sc 0 0 100 100 re f"),
		profile: "cmyk-strict",
		want:    []string{"RGB_COLOR error 1"},
		ignore:  []string{CodeOutputIntent},
	},
	{
		name: "Lab colour in a CMYK profile",
		pdf: onePage(func(w *pdfWriter) string {
			return "<< /ColorSpace << /L [/Lab << /WhitePoint [0.9505 1 1.089] >>] >> >>"
		}, "/L cs 50 20 20 sc 0 0 100 100 re f"),
		profile: "cmyk-strict",
		want:    []string{"LAB_COLOR error 1"},
		ignore:  []string{CodeOutputIntent},
	},
	{
		name: "spot colour",
		pdf: onePage(func(w *pdfWriter) string {
			fn := w.add("<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [0 0.8 0.9 0] /N 1 >>")
			return fmt.Sprintf("<< /ColorSpace << /CS0 [/Separation /PANTONE#20185#20C /DeviceCMYK %d 0 R] >> >>", fn)
		}, "/CS0 cs 1 sc 0 0 100 100 re f"),
		want: []string{"SPOT_COLORS info 1"},
	},
	{
		name: "spot colour in a CMYK profile",
		pdf: onePage(func(w *pdfWriter) string {
			fn := w.add("<< /FunctionType 2 /Domain [0 1] /C0 [0 0 0 0] /C1 [0 0.8 0.9 0] /N 1 >>")
			return fmt.Sprintf("<< /ColorSpace << /CS0 [/Separation /PANTONE#20185#20C /DeviceCMYK %d 0 R] >> >>", fn)
		}, "/CS0 CS 1 SC 0 0 m 100 100 l S"),
		profile: "cmyk-strict",
		want:    []string{"SPOT_COLORS info 1", "TOO_MANY_SPOT_COLORS error 1"},
		ignore:  []string{CodeOutputIntent},
	},
	{name: "hairline", pdf: onePage(nil, "0.1 w 0 0 0 1 K 50 50 m 300 50 l S"), want: []string{"HAIRLINE warning 1"}},
	{name: "hairline in a CMYK profile", pdf: onePage(nil, "0.1 w 50 50 m 300 50 l S"), profile: "cmyk-strict",
		want: []string{"HAIRLINE error 1"}, ignore: []string{CodeOutputIntent}},
	{name: "line thinned by the matrix", pdf: onePage(nil, "q 0.1 0 0 0.1 0 0 cm 1 w 500 500 m 3000 500 l S Q"), want: []string{"HAIRLINE warning 1"}},
	{name: "zero-width line", pdf: onePage(nil, "0 w 50 50 m 300 50 l S"), want: []string{"HAIRLINE warning 1"}},
	{name: "thick line is fine", pdf: onePage(nil, "0.5 w 50 50 m 300 50 l S")},
	{
		name: "small text through Tm",
		pdf: onePage(func(w *pdfWriter) string {
			ff := w.stream("", []byte("font"))
			fd := w.add(fmt.Sprintf("<< /Type /FontDescriptor /FontName /Demo /Flags 32 /FontFile2 %d 0 R >>", ff))
			f := w.add(fmt.Sprintf("<< /Type /Font /Subtype /TrueType /BaseFont /Demo /FontDescriptor %d 0 R >>", fd))
			return fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", f)
		}, "BT /F1 8 Tf 0.5 0 0 0.5 100 700 Tm (tiny) Tj ET"),
		want: []string{"SMALL_TEXT warning 1"},
	},
	{
		name: "white overprint",
		pdf: onePage(func(w *pdfWriter) string {
			return "<< /ExtGState << /GS0 << /Type /ExtGState /OP true /OPM 1 >> >> >>"
		}, "0 0 0 1 k 0 0 300 300 re f /GS0 gs 0 0 0 0 k 50 50 100 100 re f"),
		want: []string{"WHITE_OVERPRINT error 1"},
	},
	{
		name: "black overprint is fine",
		pdf: onePage(func(w *pdfWriter) string {
			return "<< /ExtGState << /GS0 << /Type /ExtGState /OP true /OPM 1 >> >> >>"
		}, "/GS0 gs 0 0 0 1 k 50 50 100 100 re f"),
	},
	{
		name: "transparency where the profile forbids it",
		pdf: onePage(func(w *pdfWriter) string {
			return "<< /ExtGState << /GS0 << /Type /ExtGState /ca 0.5 >> >> >>"
		}, "/GS0 gs 0 0 0 1 k 50 50 100 100 re f"),
		profile: "cmyk-strict",
		want:    []string{"TRANSPARENCY error 1"},
		ignore:  []string{CodeOutputIntent},
	},
	{
		name: "output intent present",
		pdf: func() []byte {
			w := &pdfWriter{}
			media, trim, bleed := a4(3)
			w.page(pageSpec{media: media, trim: trim, bleed: bleed})
			icc := w.stream("/N 4", []byte("profile"))
			return w.bytes(fmt.Sprintf("/OutputIntents [<< /Type /OutputIntent /S /GTS_PDFX /OutputConditionIdentifier (FOGRA39) /DestOutputProfile %d 0 R >>]", icc))
		},
		profile: "cmyk-strict",
	},
	{name: "output intent missing", pdf: onePage(nil, ""), profile: "cmyk-strict", want: []string{"OUTPUT_INTENT_MISSING error 0"}},
	{
		name:    "right size and bleed for the order",
		pdf:     onePage(nil, ""),
		exp:     Expectations{TrimWidthPt: MM(210), TrimHeightPt: MM(297), PageCount: 1, BleedPt: MM(3)},
		poppler: true,
	},
	{
		name: "no bleed",
		pdf: func() []byte {
			w := &pdfWriter{}
			_, trim, _ := a4(0)
			w.page(pageSpec{media: trim, trim: trim})
			return w.bytes("")
		},
		exp:     Expectations{TrimWidthPt: MM(210), TrimHeightPt: MM(297), BleedPt: MM(3)},
		want:    []string{"INSUFFICIENT_BLEED error 1"},
		poppler: true,
	},
	{
		name: "bleed without a trim box",
		pdf: func() []byte {
			w := &pdfWriter{}
			media, _, _ := a4(3)
			w.page(pageSpec{media: media})
			return w.bytes("")
		},
		exp:  Expectations{TrimWidthPt: MM(210), TrimHeightPt: MM(297)},
		want: []string{"TRIMBOX_MISSING info 1"},
	},
	{
		name: "wrong size",
		pdf: func() []byte {
			w := &pdfWriter{}
			w.page(pageSpec{media: "[0 0 419.53 595.28]"}) // A5, no bleed
			return w.bytes("")
		},
		exp:    Expectations{TrimWidthPt: MM(210), TrimHeightPt: MM(297), BleedPt: -1},
		want:   []string{"TRIM_SIZE_MISMATCH error 1"},
		ignore: []string{CodeTrimBoxMissing},
	},
	{
		name: "landscape for a portrait order",
		pdf: func() []byte {
			w := &pdfWriter{}
			w.page(pageSpec{media: "[0 0 841.89 595.28]"})
			return w.bytes("")
		},
		exp:    Expectations{TrimWidthPt: MM(210), TrimHeightPt: MM(297), BleedPt: -1},
		want:   []string{"PAGE_ORIENTATION_MISMATCH warning 1"},
		ignore: []string{CodeTrimBoxMissing},
	},
	{
		name: "wrong page count and mixed sizes",
		pdf: func() []byte {
			w := &pdfWriter{}
			media, trim, bleed := a4(3)
			w.page(pageSpec{media: media, trim: trim, bleed: bleed})
			w.page(pageSpec{media: "[0 0 437 612.3]", trim: "[8.5 8.5 428.5 603.8]"}) // A5 + bleed
			return w.bytes("")
		},
		exp:     Expectations{PageCount: 3},
		want:    []string{"PAGE_COUNT_MISMATCH error 0", "PAGE_SIZES_DIFFER warning 2"},
		poppler: true,
	},
}

// embeddedFont adds a TrueType font with its program in the file.
func embeddedFont(w *pdfWriter) int {
	ff := w.stream("/Length1 4", []byte("font"))
	fd := w.add(fmt.Sprintf("<< /Type /FontDescriptor /FontName /ABCDEF+Demo /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 %d 0 R >>", ff))
	return w.add(fmt.Sprintf("<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+Demo /FirstChar 32 /LastChar 126 /FontDescriptor %d 0 R >>", fd))
}
