package preflight

import (
	"math"
	"strings"

	"github.com/atomyx/submit/internal/preflight/content"
)

// Total ink coverage is measured per painted object: the sum of the inks
// the object asks for, in percent (CMYK 100/100/100/100 is 400 %). Where
// opaque objects knock each other out, the press never puts down more than
// the heaviest object asks, so the largest object value is the page's real
// maximum. Where objects overprint or blend, inks can add up beyond any one
// object; that is not computed (it needs a separations renderer) and the
// finding says so with "overprint": true.

// inkWeights returns, for a colour space the check measures, how much each
// component counts as ink (1 for process and spot inks, 0 for None and
// All), and ok false for spaces converted on output (gray, RGB, Lab) or
// not known. Indexed spaces are measured through their palette instead.
func inkWeights(cs content.ColorSpace) ([]float64, bool) {
	switch {
	case cs.Family == content.DeviceCMYK, cs.Family == content.ICCBased && cs.N == 4:
		return []float64{1, 1, 1, 1}, true
	case cs.Family == content.Separation, cs.Family == content.DeviceN:
		if len(cs.Colorants) == 0 || (cs.Family == content.Separation && len(cs.Colorants) != 1) {
			return nil, false
		}
		w := make([]float64, len(cs.Colorants))
		for i, n := range cs.Colorants {
			// All is registration: crop and fold marks on every plate,
			// outside the trim, never a real ink load.
			if n != "None" && n != "All" {
				w[i] = 1
			}
		}
		return w, true
	}
	return nil, false
}

// inkMeasured reports whether the check measures painting in cs.
func inkMeasured(cs content.ColorSpace) bool {
	if cs.Family == content.Indexed {
		return cs.Base != nil && inkMeasured(*cs.Base) && cs.Base.Family != content.Indexed
	}
	_, ok := inkWeights(cs)
	return ok
}

// inkOfComponents sums the weighted components, each clamped to [0, 1].
func inkOfComponents(w, v []float64) float64 {
	sum := 0.0
	for i := range min(len(w), len(v)) {
		sum += w[i] * math.Min(1, math.Max(0, v[i]))
	}
	return sum * 100
}

// paletteInk returns the ink of each palette entry of an Indexed space.
func paletteInk(cs content.ColorSpace) []float64 {
	if cs.Base == nil {
		return nil
	}
	w, ok := inkWeights(*cs.Base)
	if !ok {
		return nil
	}
	n := len(w)
	entries := min(cs.HiVal+1, len(cs.Lookup)/n, 256)
	out := make([]float64, max(0, entries))
	v := make([]float64, n)
	for e := range out {
		for k := range n {
			v[k] = float64(cs.Lookup[e*n+k]) / 255
		}
		out[e] = inkOfComponents(w, v)
	}
	return out
}

// colourInk returns the ink a colour asks for, in percent, or ok false
// when its space is not measured (or it is a pattern, whose values are
// not known here).
func colourInk(c content.Color) (float64, bool) {
	if len(c.Values) == 0 {
		return 0, false
	}
	if c.Space.Family == content.Indexed {
		if !inkMeasured(c.Space) {
			return 0, false
		}
		pal := paletteInk(c.Space)
		if len(pal) == 0 {
			return 0, false
		}
		i := int(math.Round(c.Values[0]))
		return pal[max(0, min(i, len(pal)-1))], true
	}
	w, ok := inkWeights(c.Space)
	if !ok {
		return 0, false
	}
	return inkOfComponents(w, c.Values), true
}

// inkScan is the ink check's view of one page.
type inkScan struct {
	c *docCache // nil when the profile switches the check off
	// The heaviest object on the page: its ink, area and kind, and
	// whether it overprints.
	max       float64
	rect      content.Rect
	kind      string
	overprint bool
	// adds is set when some object on the page overprints or blends, so
	// inks there may add up beyond any single object.
	adds bool
	// skipped names images in ink colour spaces that were not measured.
	skipped []string
	// annot is the annotation the heaviest object comes from, or nil.
	annot *AnnotationRef
}

// paint measures one painting operation.
func (k *inkScan) paint(p *content.Paint, annot *AnnotationRef) {
	if k.c == nil {
		return
	}
	op := (p.Fill && p.FillOP) || (p.Stroke && p.StrokeOP)
	if op || strings.HasPrefix(p.Transparency, "blend mode") {
		k.adds = true
	}
	ink, ok := 0.0, false
	switch p.Kind {
	case content.KindShading:
		return // not measured: see docs/preflight.md
	case content.KindImage:
		if p.Image.ImageMask {
			ink, ok = colourInk(p.FillColor)
			break
		}
		if !inkMeasured(p.Image.ColorSpace) {
			return
		}
		m := k.c.imageInk(p.Image)
		if !m.measured {
			if len(k.skipped) < 10 {
				k.skipped = append(k.skipped, m.reason)
			}
			return
		}
		ink, ok = m.percent, true
	default:
		if p.Fill {
			if v, vok := colourInk(p.FillColor); vok {
				ink, ok = v, true
			}
		}
		if p.Stroke {
			if v, vok := colourInk(p.StrokeColor); vok && v > ink {
				ink, ok = v, true
			}
		}
	}
	if !ok || ink <= k.max {
		return
	}
	k.max, k.rect, k.overprint, k.annot = ink, p.Bounds, op, annot
	k.kind = inkKind(p)
}

func inkKind(p *content.Paint) string {
	switch p.Kind {
	case content.KindImage:
		if p.Image.ImageMask {
			return "shape"
		}
		return "image"
	case content.KindText:
		return "text"
	}
	return "shape"
}

// checkInk reports the page's heaviest object when it asks for more ink
// than the profile allows, and images it could not measure.
func checkInk(rep *Report, s *pageScan, p Profile) {
	k := &s.ink
	if k.c == nil {
		return
	}
	sev, threshold := p.MaxInkCoverage.classify(round1(k.max)) // float noise: 1+0.9+0.8+0.7 is not above 3.4
	if sev != "" {
		d := map[string]any{"measured": round1(k.max), "threshold": threshold, "unit": "%",
			"object": k.kind, "overprint": k.overprint || k.adds, "area": boxOf(k.rect)}
		if len(k.skipped) > 0 {
			d["notMeasured"] = k.skipped
		}
		withAnnotation(d, k.annot)
		rep.add(Finding{Code: CodeInkCoverage, Check: chkInkCoverage, Severity: sev, Page: s.number, Details: d})
		return
	}
	if len(k.skipped) > 0 {
		rep.add(Finding{Code: CodeInkNotMeasured, Check: chkInkCoverage, Severity: SeverityInfo, Page: s.number,
			Details: map[string]any{"measured": len(k.skipped), "threshold": 0, "notMeasured": k.skipped}})
	}
}
