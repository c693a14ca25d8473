package preflight

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// annotPage builds a one-page A4 PDF with 3 mm bleed whose page draws
// content and lists the annotations annots returns ("<< … >>" each),
// with catalog entries from catalog (nil for none).
func annotPage(content string, annots func(w *pdfWriter) []string, catalog func(w *pdfWriter) string) func() []byte {
	return func() []byte {
		w := &pdfWriter{}
		media, trim, bleed := a4(3)
		var refs []string
		for _, a := range annots(w) {
			refs = append(refs, fmt.Sprintf("%d 0 R", w.add(a)))
		}
		w.page(pageSpec{media: media, trim: trim, bleed: bleed, content: content, annots: "[" + strings.Join(refs, " ") + "]"})
		extra := ""
		if catalog != nil {
			extra = catalog(w)
		}
		return w.bytes(extra)
	}
}

// imageAppearance adds a form of bbox [0 0 50 50] that draws a 100×100
// pixel image over its whole box.
func imageAppearance(w *pdfWriter) int {
	im := w.grayImage(100, 100, "")
	return w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 50 50] /Resources << /XObject << /Im %d 0 R >> >>", im),
		[]byte("q 50 0 0 50 0 0 cm /Im Do Q"))
}

// annotFixtures are the known answers for annotations; they run with the
// other fixtures (fixtures_run_test.go), and TestAnnotationsMarked checks
// what they mark.
var annotFixtures = []fixture{
	{
		// The appearance's box of 50 pt is drawn into a Rect of 100 pt
		// (PDF 32000-1 12.5.5), so 100 pixels cover 100 pt: 72 ppi, where
		// the form alone would give 144.
		name: "stamp whose appearance has a 72 ppi image",
		pdf: annotPage("", func(w *pdfWriter) []string {
			return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /F 4 /Rect [100 100 200 200] /AP << /N %d 0 R >> >>", imageAppearance(w))}
		}, nil),
		want:    []string{"LOW_RESOLUTION_IMAGE error 1"},
		ppi:     [][2]float64{{72, 72}},
		poppler: true,
	},
	{
		// The form's Matrix turns the box by 90° and the Rect is 50 pt
		// wide and 100 pt high: the image is drawn at 50 × 100 pt.
		name: "stamp appearance turned by its matrix into a tall Rect",
		pdf: annotPage("", func(w *pdfWriter) []string {
			im := w.grayImage(100, 100, "")
			ap := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 100 50] /Matrix [0 1 -1 0 0 0] /Resources << /XObject << /Im %d 0 R >> >>", im),
				[]byte("q 100 0 0 50 0 0 cm /Im Do Q"))
			return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /F 4 /Rect [300 300 350 400] /AP << /N %d 0 R >> >>", ap)}
		}, nil),
		want:    []string{"LOW_RESOLUTION_IMAGE error 1"},
		ppi:     [][2]float64{{72, 144}},
		poppler: true,
	},
	{
		name: "form field with an unembedded font",
		pdf: annotPage("", func(w *pdfWriter) []string {
			f := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
			ap := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 200 20] /Resources << /Font << /Helv %d 0 R >> >>", f),
				[]byte("/Tx BMC BT /Helv 10 Tf 2 5 Td (Jane Doe) Tj ET EMC"))
			return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (Name) /V (Jane Doe) /F 4 /Rect [100 700 300 720] /AP << /N %d 0 R >> >>", ap)}
		}, nil),
		want:    []string{"FONT_NOT_EMBEDDED error 1"},
		poppler: true,
	},
	{
		// A check box draws the appearance /AS names: the Off state's
		// 0.1 pt line is not drawn, the On state's font is.
		name: "check box draws the state /AS names",
		pdf: annotPage("", func(w *pdfWriter) []string {
			f := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>")
			on := w.stream(fmt.Sprintf("/Subtype /Form /BBox [0 0 20 20] /Resources << /Font << /ZaDb %d 0 R >> >>", f),
				[]byte("BT /ZaDb 12 Tf 4 5 Td (4) Tj ET"))
			off := w.stream("/Subtype /Form /BBox [0 0 20 20]", []byte("0.1 w 0 0 m 20 20 l S"))
			return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Btn /T (Agree) /V /On /AS /On /F 4 /Rect [100 600 120 620] /AP << /N << /On %d 0 R /Off %d 0 R >> >> >>", on, off)}
		}, nil),
		want:    []string{"FONT_NOT_EMBEDDED error 1"},
		poppler: true,
	},
	{
		// A field's appearance without resources of its own takes the
		// form's default resources (/AcroForm /DR), as viewers do.
		name: "form field whose font is in the form's default resources",
		pdf: func() []byte {
			var font int
			return annotPage("", func(w *pdfWriter) []string {
				font = w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
				ap := w.stream("/Type /XObject /Subtype /Form /BBox [0 0 200 20]", []byte("BT /Helv 10 Tf 2 5 Td (Jane Doe) Tj ET"))
				return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (Name) /F 4 /Rect [100 700 300 720] /AP << /N %d 0 R >> >>", ap)}
			}, func(w *pdfWriter) string {
				return fmt.Sprintf("/AcroForm << /Fields [] /DR << /Font << /Helv %d 0 R >> >> >>", font)
			})()
		},
		want: []string{"FONT_NOT_EMBEDDED error 1"},
	},
	{
		// Hidden (with Print set): neither shown nor printed, so its 72 ppi
		// image counts for nothing; pdfimages does not list it either.
		name: "hidden annotation",
		pdf: annotPage("", func(w *pdfWriter) []string {
			return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /F 6 /Rect [100 100 200 200] /AP << /N %d 0 R >> >>", imageAppearance(w))}
		}, nil),
		ppi:     [][2]float64{},
		poppler: true,
	},
	{
		// A Popup, no Print flag, no flags at all: none of them prints,
		// so their 72 ppi images, thin lines and RGB count for nothing.
		// pdfimages lists what shows on screen, so it lists the first two
		// images: not compared with poppler.
		name: "annotations that do not print",
		pdf: annotPage("", func(w *pdfWriter) []string {
			thin := w.stream("/Subtype /Form /BBox [0 0 50 50]", []byte("0.05 w 1 0 0 RG 0 0 m 50 50 l S"))
			return []string{
				fmt.Sprintf("<< /Type /Annot /Subtype /Popup /F 4 /Rect [100 300 200 400] /AP << /N %d 0 R >> >>", imageAppearance(w)),
				fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /F 0 /Rect [300 100 400 200] /AP << /N %d 0 R >> >>", imageAppearance(w)),
				fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [300 300 350 350] /AP << /N %d 0 R >> >>", thin),
			}
		}, nil),
		ppi: [][2]float64{},
	},
	{
		// An appearance must be a form: an image in its place is not read
		// as content, though its 25 samples spell an RGB fill (and it has
		// a /BBox, as a form would).
		name: "appearance that is an image, not a form",
		pdf: annotPage("", func(w *pdfWriter) []string {
			im := w.stream("/Type /XObject /Subtype /Image /Width 5 /Height 5 /ColorSpace /DeviceGray /BitsPerComponent 8 /BBox [0 0 5 5]", []byte("1 0 0 rg 0 0 9 9 re f   \n"))
			return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Stamp /F 4 /Rect [100 100 200 200] /AP << /N %d 0 R >> >>", im)}
		}, nil),
		ppi: [][2]float64{},
	},
	{
		// NoView keeps an annotation off the screen only; with Print set
		// it prints (PDF 32000-1 table 165).
		name: "annotation printed but not viewed",
		pdf: annotPage("", func(w *pdfWriter) []string {
			thin := w.stream("/Subtype /Form /BBox [0 0 50 50]", []byte("0.05 w 0 0 0 1 K 0 0 m 50 50 l S"))
			return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Square /F 36 /Rect [300 300 350 350] /AP << /N %d 0 R >> >>", thin)}
		}, nil),
		want: []string{"HAIRLINE warning 1"},
	},
}

func init() { fixtures = append(fixtures, annotFixtures...) }

// TestAnnotationsMarked: what an annotation's appearance draws is marked
// with the annotation in the inventory and in the finding's details, and
// the page's own images are not marked.
func TestAnnotationsMarked(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	byName := map[string]fixture{}
	for _, fx := range fixtures {
		byName[fx.name] = fx
	}
	stamp := AnnotationRef{Subtype: "Stamp", Index: 0}
	field := AnnotationRef{Subtype: "Widget", Index: 0, Field: "Name"}
	for _, tt := range []struct {
		fixture, code string
		annot         AnnotationRef
	}{
		{"stamp whose appearance has a 72 ppi image", CodeLowResImage, stamp},
		{"form field with an unembedded font", CodeFontNotEmbedded, field},
		{"form field whose font is in the form's default resources", CodeFontNotEmbedded, field},
		{"annotation printed but not viewed", CodeHairline, AnnotationRef{Subtype: "Square"}},
	} {
		rep := checkBytes(t, e, byName[tt.fixture].pdf(), p, Expectations{})
		f := hasCode(rep, tt.code)
		if f == nil {
			t.Errorf("%s: no %s finding", tt.fixture, tt.code)
			continue
		}
		if got, _ := f.Details["annotation"].(AnnotationRef); got != tt.annot {
			t.Errorf("%s: finding marked %+v, want %+v", tt.fixture, f.Details["annotation"], tt.annot)
		}
		if !strings.Contains(string(mustJSON(t, f.Details)), `"annotation":{"subtype":"`+tt.annot.Subtype+`"`) {
			t.Errorf("%s: details JSON %s lack the annotation", tt.fixture, mustJSON(t, f.Details))
		}
	}

	rep := checkBytes(t, e, byName["stamp whose appearance has a 72 ppi image"].pdf(), p, Expectations{})
	if len(rep.Inventory.Images) != 1 || rep.Inventory.Images[0].Annotation == nil || *rep.Inventory.Images[0].Annotation != stamp {
		t.Errorf("stamp's image in the inventory: %+v, want it marked %+v", rep.Inventory.Images, stamp)
	}
	rep = checkBytes(t, e, byName["form field with an unembedded font"].pdf(), p, Expectations{})
	if len(rep.Inventory.Fonts) != 1 || rep.Inventory.Fonts[0].Annotation == nil || *rep.Inventory.Fonts[0].Annotation != field {
		t.Errorf("field's font in the inventory: %+v, want it marked %+v", rep.Inventory.Fonts, field)
	}
	rep = checkBytes(t, e, byName["images at 72, 150 and 300 ppi"].pdf(), p, Expectations{})
	if js := mustJSON(t, rep); strings.Contains(string(js), "annotation") {
		t.Errorf("a page without annotations reports one: %s", js)
	}
}

// A page's own thin line and a thinner one in an annotation: the finding
// measures the thinnest and names the annotation it is in; RGB on the
// page and in the annotation is the page's, not the annotation's.
func TestAnnotationMarksOnlyWhatItAdds(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	pdf := annotPage("0.2 w 1 0 0 RG 50 50 m 300 50 l S", func(w *pdfWriter) []string {
		thin := w.stream("/Subtype /Form /BBox [0 0 50 50]", []byte("0.05 w 0 1 0 RG 0 0 m 50 50 l S"))
		return []string{fmt.Sprintf("<< /Type /Annot /Subtype /Ink /F 4 /Rect [300 300 350 350] /AP << /N %d 0 R >> >>", thin)}
	}, nil)()
	rep := checkBytes(t, e, pdf, p, Expectations{})
	h := hasCode(rep, CodeHairline)
	if h == nil || h.Details["measured"] != 0.05 {
		t.Fatalf("hairline finding %+v, want the annotation's 0.05 pt", h)
	}
	if got, _ := h.Details["annotation"].(AnnotationRef); got != (AnnotationRef{Subtype: "Ink"}) {
		t.Errorf("hairline marked %+v, want the Ink annotation", h.Details["annotation"])
	}
	rgb := hasCode(rep, CodeRGB)
	if rgb == nil || rgb.Details["objects"] != 2 {
		t.Fatalf("RGB finding %+v, want 2 objects", rgb)
	}
	if _, ok := rgb.Details["annotation"]; ok {
		t.Errorf("RGB on the page and in an annotation is marked as the annotation's: %+v", rgb.Details)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The HTML report names the annotation beside its image and font, also
// from a stored (JSON) report.
func TestAnnotationInHTML(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	for name, want := range map[string]string{
		"stamp whose appearance has a 72 ppi image": "1 (Stamp annotation)",
		"form field with an unembedded font":        "Helvetica (form field &#34;Name&#34;)",
	} {
		var fx fixture
		for _, f := range fixtures {
			if f.name == name {
				fx = f
			}
		}
		rep := checkBytes(t, e, fx.pdf(), p, Expectations{})
		for _, r := range []*Report{rep, roundTrip(t, rep)} {
			var b bytes.Buffer
			if err := r.WriteHTML(&b, nil, language.English); err != nil {
				t.Fatalf("WriteHTML: %v", err)
			}
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s: HTML lacks %q", name, want)
			}
		}
	}
}
