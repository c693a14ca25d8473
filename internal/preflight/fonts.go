package preflight

import (
	"slices"
	"sort"
	"strings"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// maxResourceDepth bounds the walk through nested resource dictionaries.
const maxResourceDepth = 16

// fontEntry is a font in the inventory, keyed like fontKey.
type fontEntry struct {
	key  string
	info FontInfo
}

// fontWalker lists fonts the way pdffonts does: every font in the
// resources of each page, of the forms, patterns and Type 3 fonts those
// resources hold, and of annotation appearances.
type fontWalker struct {
	x     *pdfobj.Doc
	fonts map[string]*fontEntry
	order []string
	seen  map[int]bool   // resource dictionaries already walked for this page
	annot *AnnotationRef // the annotation whose appearance is walked; nil for the page
}

func collectFonts(x *pdfobj.Doc, pages []page) ([]FontInfo, map[string]string) {
	w := &fontWalker{x: x, fonts: map[string]*fontEntry{}}
	for _, pg := range pages {
		w.seen = map[int]bool{}
		w.resources(pg.res, pg.number, 0)
		w.annotations(pg.dict, pg.number)
	}
	out := make([]FontInfo, 0, len(w.order))
	keys := map[string]string{}
	for _, k := range w.order {
		out = append(out, w.fonts[k].info)
		keys[k] = w.fonts[k].info.Name
	}
	return out, keys
}

func (w *fontWalker) resources(res types.Dict, page, depth int) {
	if res == nil || depth > maxResourceDepth {
		return
	}
	if fonts, err := w.x.DereferenceDict(res["Font"]); err == nil {
		for _, name := range sortedKeys(fonts) {
			w.font(fonts[name], page, depth)
		}
	}
	for _, cat := range []string{"XObject", "Pattern"} {
		d, err := w.x.DereferenceDict(res[cat])
		if err != nil {
			continue
		}
		for _, name := range sortedKeys(d) {
			w.nested(d[name], page, depth)
		}
	}
}

// nested walks the resources of a form, pattern or appearance stream.
func (w *fontWalker) nested(o types.Object, page, depth int) {
	if n := objNr(o); n > 0 {
		if w.seen[n] {
			return
		}
		w.seen[n] = true
	}
	o, err := w.x.Dereference(o)
	if err != nil {
		return
	}
	var d types.Dict
	switch v := o.(type) {
	case types.StreamDict:
		d = v.Dict
	case types.Dict:
		d = v
	default:
		return
	}
	if res, err := w.x.DereferenceDict(d["Resources"]); err == nil {
		w.resources(res, page, depth+1)
	}
}

func (w *fontWalker) font(o types.Object, page, depth int) {
	d, err := w.x.DereferenceDict(o)
	if err != nil || d == nil {
		return
	}
	f := fontInfo(w.x, objID(o), d)
	key := fontKey(f)
	e, ok := w.fonts[key]
	if !ok {
		e = &fontEntry{key: key, info: FontInfo{Name: f.Name, Type: f.Type, Embedded: f.Embedded, Annotation: w.annot}}
		w.fonts[key] = e
		w.order = append(w.order, key)
	}
	if w.annot == nil {
		e.info.Annotation = nil // a page's resources hold it too
	}
	if n := len(e.info.Pages); n == 0 || e.info.Pages[n-1] != page {
		e.info.Pages = append(e.info.Pages, page)
	}
	if f.Type3 {
		if res, err := w.x.DereferenceDict(d["Resources"]); err == nil {
			w.resources(res, page, depth+1)
		}
	}
}

func (w *fontWalker) annotations(pageDict types.Dict, page int) {
	annots, err := w.x.DereferenceArray(pageDict["Annots"])
	if err != nil {
		return
	}
	defer func() { w.annot = nil }()
	for i, a := range annots {
		ad, err := w.x.DereferenceDict(a)
		if err != nil || ad == nil {
			continue
		}
		ref := AnnotationRef{Index: i}
		if n, err := w.x.DereferenceName(ad["Subtype"]); err == nil {
			ref.Subtype = string(n)
		}
		if ref.Subtype == "Widget" {
			ref.Field = fieldName(w.x, ad)
		}
		w.annot = &ref
		ap, err := w.x.DereferenceDict(ad["AP"])
		if err != nil || ap == nil {
			continue
		}
		n, err := w.x.Dereference(ap["N"])
		if err != nil {
			continue
		}
		if states, ok := n.(types.Dict); ok { // appearance states: /On, /Off
			for _, k := range sortedKeys(states) {
				w.nested(states[k], page, 0)
			}
			continue
		}
		w.nested(ap["N"], page, 0)
	}
}

// checkFonts reports fonts that are used for visible text and not in the
// file. Fonts only listed in resources, or used only for invisible text
// (OCR layers, render mode 3), do not print and are not reported.
func checkFonts(rep *Report, p Profile, use fontUse, names map[string]string) {
	used := use.pages
	byName := map[string]bool{}
	for _, f := range rep.Inventory.Fonts {
		if !f.Embedded {
			byName[f.Name] = true
		}
	}
	reported := map[string]bool{}
	keys := make([]string, 0, len(used))
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var missing []string
	var missingPages []int
	var missingAnnot *AnnotationRef // while every missing font is used only by annotations
	for _, k := range keys {
		if name, ok := strings.CutPrefix(k, missingFont); ok {
			if len(missing) == 0 {
				missingAnnot = use.annotOnly[k]
			} else if use.annotOnly[k] == nil {
				missingAnnot = nil
			}
			missing = append(missing, name)
			missingPages = append(missingPages, used[k]...)
			continue
		}
		name, ok := names[k]
		if !ok {
			// Not in the inventory, which lists fonts as pdffonts does:
			// a field's font from the form's default resources.
			f, ok := use.annotInfo[k]
			if !ok || f.Embedded {
				continue
			}
			name = f.Name
		} else if !byName[name] {
			continue
		}
		if reported[name] {
			continue
		}
		reported[name] = true
		pages := used[k]
		rep.add(Finding{Code: CodeFontNotEmbedded, Check: chkFonts, Severity: p.FontNotEmbedded, Page: pages[0],
			Details: withAnnotation(withPages(map[string]any{"font": name, "measured": "not embedded", "threshold": "embedded"}, pages, -1), use.annotOnly[k])})
	}
	if len(missing) > 0 {
		f := fontsMissing(p, missing, missingPages)
		withAnnotation(f.Details, missingAnnot)
		rep.add(f)
	}
}

// maxMissingNamed bounds the fonts a fontsMissing finding names: a
// damaged or hostile page may name thousands.
const maxMissingNamed = 10

// fontsMissing reports text in fonts that Tf names and the resources lack
// (by resource name, sorted). Viewers and printers set such text in a
// substitute font, as they do a font not embedded; one finding covers
// them all.
func fontsMissing(p Profile, names []string, pages []int) Finding {
	slices.Sort(pages)
	pages = slices.Compact(pages)
	named := names[:min(len(names), maxMissingNamed)]
	for i, n := range named {
		named[i] = "/" + n
	}
	return Finding{Code: CodeFontNotEmbedded, Check: chkFonts, Severity: p.FontNotEmbedded, Page: pages[0],
		Details: withPages(map[string]any{"fonts": named, "measured": "missing", "threshold": "embedded"}, pages, -1)}
}

// displayFont strips the subset tag ("ABCDEF+Helvetica" → "Helvetica").
func displayFont(name string) string {
	if i := strings.IndexByte(name, '+'); i == 6 {
		return name[7:]
	}
	return name
}
