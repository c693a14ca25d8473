package preflight

import (
	"fmt"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/atomyx/submit/internal/preflight/content"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Annotations print through their normal appearance stream (/AP /N), a
// form drawn into the annotation's /Rect (PDF 32000-1 12.5.5): stamps,
// filled-in form fields, signatures. What prints there is checked like
// page content; what does not print is not.

// AnnotationRef names the annotation an image, font or finding comes from.
type AnnotationRef struct {
	// Subtype is the annotation's /Subtype: "Stamp", "Widget" (a form
	// field), "FreeText", …
	Subtype string `json:"subtype"`
	// Index is the annotation's position in the page's /Annots array,
	// from 0.
	Index int `json:"index"`
	// Field is a form field's name (/T, of the widget or its parent).
	Field string `json:"field,omitempty"`
}

// Describe names the annotation for a customer: `form field "Name"`,
// "Stamp annotation".
func (a AnnotationRef) Describe() string {
	switch {
	case a.Subtype == "Widget" && a.Field != "":
		return fmt.Sprintf("form field %q", a.Field)
	case a.Subtype == "Widget":
		return "form field"
	case a.Subtype == "":
		return "annotation"
	}
	return a.Subtype + " annotation"
}

// Annotation flags (PDF 32000-1 table 165).
const (
	annotHidden = 1 << 1 // neither shown nor printed
	annotPrint  = 1 << 2 // printed; without it an annotation never prints
)

// printedAnnot is the appearance of one annotation that prints.
type printedAnnot struct {
	ref  AnnotationRef
	form *content.FormInfo
	// ctm maps the appearance's transformed BBox onto the Rect; the
	// form's own Matrix is applied by the interpreter before it.
	ctm content.Matrix
	// res are the resources an appearance without its own uses.
	res types.Dict
}

// printedAnnotations returns the appearances of pg's annotations that
// print: the Print flag set, the Hidden flag clear, not a Popup, with a
// normal appearance (the one /AS names when /N holds states). NoView only
// keeps an annotation off the screen, so it does not stop printing.
// Damaged entries are skipped, as viewers skip them.
func (c *docCache) printedAnnotations(pg page) []printedAnnot {
	annots, err := c.x.DereferenceArray(pg.dict["Annots"])
	if err != nil {
		return nil
	}
	var out []printedAnnot
	for i, o := range annots {
		ad, err := c.x.DereferenceDict(o)
		if err != nil || ad == nil {
			continue
		}
		flags := c.intOf(ad, "F")
		sub := c.name(ad["Subtype"])
		if flags&annotPrint == 0 || flags&annotHidden != 0 || sub == "Popup" {
			continue
		}
		ap, ok := c.appearance(ad)
		if !ok {
			continue
		}
		rect, ok := c.rect(ad["Rect"])
		if !ok {
			continue
		}
		sd, err := c.x.DereferenceStreamDict(ap)
		if err != nil || sd == nil {
			continue
		}
		if s := sd.Subtype(); s != nil && *s != "Form" {
			continue // an image or PostScript XObject is no appearance; viewers draw nothing
		}
		form := c.formInfo(objID(ap), sd)
		bbox, ok := c.rect(sd.Dict["BBox"])
		if !ok {
			continue
		}
		ctm, ok := appearanceMatrix(bbox, form.Matrix, rect)
		if !ok {
			continue // a flat box or Rect paints nothing
		}
		a := printedAnnot{ref: AnnotationRef{Subtype: sub, Index: i}, form: form, ctm: ctm, res: pg.res}
		if sub == "Widget" {
			a.ref.Field = fieldName(c.x, ad)
			if c.formDR != nil {
				a.res = c.formDR // a field's appearance takes its fonts from the form's default resources
			}
		}
		out = append(out, a)
	}
	return out
}

// appearance returns the normal appearance stream of an annotation: /AP
// /N, or the entry /AS names when /N is a dictionary of states.
func (c *docCache) appearance(ad types.Dict) (types.Object, bool) {
	ap, err := c.x.DereferenceDict(ad["AP"])
	if err != nil || ap == nil {
		return nil, false
	}
	n, err := c.x.Dereference(ap["N"])
	if err != nil || n == nil {
		return nil, false
	}
	states, ok := n.(types.Dict)
	if !ok {
		return ap["N"], true
	}
	as := c.name(ad["AS"])
	s, ok := states[as]
	return s, ok && as != "" && s != nil
}

// appearanceMatrix is the matrix A of PDF 32000-1 12.5.5: it maps the
// bounding box of bbox transformed by the form's matrix onto rect,
// scaling and translating. It is false when either box is flat.
func appearanceMatrix(bbox content.Rect, m content.Matrix, rect content.Rect) (content.Matrix, bool) {
	t := bbox.Transform(m)
	w, h := t.X1-t.X0, t.Y1-t.Y0
	if w < 1e-9 || h < 1e-9 || rect.X1-rect.X0 < 1e-9 || rect.Y1-rect.Y0 < 1e-9 {
		return content.Matrix{}, false
	}
	sx, sy := (rect.X1-rect.X0)/w, (rect.Y1-rect.Y0)/h
	return content.Matrix{sx, 0, 0, sy, rect.X0 - sx*t.X0, rect.Y0 - sy*t.Y0}, true
}

// rect reads a rectangle [x0 y0 x1 y1], in either corner order.
func (c *docCache) rect(o types.Object) (content.Rect, bool) {
	a, err := c.x.DereferenceArray(o)
	if err != nil || len(a) != 4 {
		return content.Rect{}, false
	}
	var v [4]float64
	for i, e := range a {
		f, err := c.x.DereferenceNumber(e)
		if err != nil {
			return content.Rect{}, false
		}
		v[i] = f
	}
	return content.Rect{X0: min(v[0], v[2]), Y0: min(v[1], v[3]), X1: max(v[0], v[2]), Y1: max(v[1], v[3])}, true
}

func (c *docCache) name(o types.Object) string {
	n, err := c.x.DereferenceName(o)
	if err != nil {
		return ""
	}
	return string(n)
}

// fieldName is a widget's partial field name, or its parent field's: a
// field with one widget is often merged with it, one with several holds
// the name for all.
func fieldName(x *pdfobj.Doc, ad types.Dict) string {
	if t := pdfText(x, ad["T"]); t != "" {
		return t
	}
	if p, err := x.DereferenceDict(ad["Parent"]); err == nil && p != nil {
		return pdfText(x, p["T"])
	}
	return ""
}

// pdfText reads a text string, cut to maxFieldName characters.
func pdfText(x *pdfobj.Doc, o types.Object) string {
	o, err := x.Dereference(o)
	if err != nil || o == nil {
		return ""
	}
	var s string
	switch v := o.(type) {
	case types.StringLiteral:
		s, err = types.StringLiteralToString(v)
	case types.HexLiteral:
		s, err = types.HexLiteralToString(v)
	default:
		return ""
	}
	if err != nil {
		return ""
	}
	if r := []rune(s); len(r) > maxFieldName {
		s = string(r[:maxFieldName]) + "…"
	}
	return s
}

// maxFieldName bounds a field name in the report: a hostile file's may be
// megabytes long.
const maxFieldName = 100

// acroFormDR returns the interactive form's default resources, which
// viewers give a field's appearance that has none of its own.
func (c *docCache) acroFormDR() types.Dict {
	root, err := c.x.Catalog()
	if err != nil {
		return nil
	}
	af, err := c.x.DereferenceDict(root["AcroForm"])
	if err != nil || af == nil {
		return nil
	}
	dr, err := c.x.DereferenceDict(af["DR"])
	if err != nil {
		return nil
	}
	return dr
}

// withAnnotation adds to a finding's details the annotation it comes
// from, when it comes from one only, and returns the details.
func withAnnotation(d map[string]any, a *AnnotationRef) map[string]any {
	if a != nil {
		d["annotation"] = *a
	}
	return d
}
