package preflight

import (
	"fmt"
	"math"
)

// bleedSlack forgives rounding in producers that write 3 mm as 8.5 pt.
const bleedSlack = 0.1 // mm

// pageGroup collects the pages a finding applies to, so that a 300-page
// book with one problem on every page gets one finding, not 300.
type pageGroup struct {
	pages []int
	worst float64
	first map[string]any
}

func (g *pageGroup) add(page int, measured float64, details map[string]any, lower bool) {
	if len(g.pages) == 0 || (lower && measured < g.worst) || (!lower && measured > g.worst) {
		g.worst = measured
	}
	if g.first == nil {
		g.first = details
	}
	g.pages = append(g.pages, page)
}

// details returns the first page's details with the page list added when
// more than one page is affected, and allPages when all n of them are.
func (g *pageGroup) details(n int) map[string]any {
	d := map[string]any{}
	for k, v := range g.first {
		d[k] = v
	}
	if len(g.pages) > 1 {
		d["pages"] = g.pages
		if len(g.pages) == n {
			d["allPages"] = true
		}
	}
	return d
}

func checkGeometry(rep *Report, pages []page, p Profile, exp Expectations) {
	if exp.PageCount > 0 && len(pages) != exp.PageCount {
		rep.add(Finding{Code: CodePageCount, Check: chkPageCount, Severity: SeverityError,
			Details: map[string]any{"measured": len(pages), "threshold": exp.PageCount}})
	}
	if len(pages) == 0 {
		return
	}
	tol := MM(p.TrimToleranceMM)
	bleed := MM(p.BleedMM)
	switch {
	case exp.BleedPt < 0:
		bleed = 0
	case exp.BleedPt > 0:
		bleed = exp.BleedPt
	}
	bleedSev := p.Bleed
	if exp.BleedPt > 0 {
		bleedSev = SeverityError // the order asked for bleed explicitly
	}
	var noTrim, size, orient, short, differ pageGroup
	shortNoTrim := false
	first := pages[0].info
	for _, pg := range pages {
		info := pg.info
		trim, bleedBox := info.effectiveTrim(), info.effectiveBleed()
		if info.TrimBox == nil {
			noTrim.add(pg.number, 0, nil, true)
			if t, ok := inferTrim(bleedBox, exp, bleed, tol); ok {
				trim = t
			}
		}
		w, h := pageDims(trim, info.Rotate)
		if exp.TrimWidthPt > 0 && exp.TrimHeightPt > 0 {
			d := map[string]any{"measured": mmPair(w, h), "threshold": mmPair(exp.TrimWidthPt, exp.TrimHeightPt),
				"unit": "mm", "tolerance": p.TrimToleranceMM}
			switch {
			case near(w, exp.TrimWidthPt, tol) && near(h, exp.TrimHeightPt, tol):
			case near(w, exp.TrimHeightPt, tol) && near(h, exp.TrimWidthPt, tol):
				orient.add(pg.number, 0, d, true)
			default:
				size.add(pg.number, 0, d, true)
			}
		} else if fw, fh := pageDims(first.effectiveTrim(), first.Rotate); !near(w, fw, tol) || !near(h, fh, tol) {
			differ.add(pg.number, 0, map[string]any{"measured": mmPair(w, h), "threshold": mmPair(fw, fh), "unit": "mm"}, true)
		}
		if bleed > 0 {
			got := minBleed(trim, bleedBox)
			if toMM(got) < toMM(bleed)-bleedSlack {
				short.add(pg.number, toMM(got), map[string]any{"measured": round2(toMM(got)), "threshold": round2(toMM(bleed)), "unit": "mm", "area": trim}, true)
				shortNoTrim = shortNoTrim || info.TrimBox == nil
			}
		}
	}
	emitGeometry(rep, p, bleedSev, len(pages), shortNoTrim, &noTrim, &size, &orient, &short, &differ)
}

func emitGeometry(rep *Report, p Profile, bleedSev Severity, n int, shortNoTrim bool, noTrim, size, orient, short, differ *pageGroup) {
	if len(noTrim.pages) > 0 {
		rep.add(Finding{Code: CodeTrimBoxMissing, Check: chkTrimBox, Severity: p.TrimBoxMissing, Page: noTrim.pages[0],
			Details: withPages(map[string]any{"measured": len(noTrim.pages), "threshold": 0}, noTrim.pages, n)})
	}
	if len(size.pages) > 0 {
		rep.add(Finding{Code: CodeTrimSize, Check: chkTrimSize, Severity: SeverityError, Page: size.pages[0], Details: size.details(n)})
	}
	if len(orient.pages) > 0 {
		rep.add(Finding{Code: CodeOrientation, Check: chkTrimSize, Severity: SeverityWarning, Page: orient.pages[0], Details: orient.details(n)})
	}
	if len(differ.pages) > 0 {
		rep.add(Finding{Code: CodePageSizesDiffer, Check: chkPageSize, Severity: p.MixedPageSizes, Page: differ.pages[0], Details: differ.details(n)})
	}
	if len(short.pages) > 0 {
		d := short.details(n)
		d["measured"] = round2(short.worst)
		if shortNoTrim {
			d["trimBoxMissing"] = true
		}
		rep.add(Finding{Code: CodeBleed, Check: chkBleed, Severity: bleedSev, Page: short.pages[0], Details: d})
	}
}

// inferTrim recognises artwork exported with bleed but without a TrimBox:
// when the page is the ordered size plus bleed on every side, the cut is
// taken to be centred.
func inferTrim(bleedBox Box, exp Expectations, bleed, tol float64) (Box, bool) {
	if exp.TrimWidthPt <= 0 || bleed <= 0 {
		return Box{}, false
	}
	w, h := bleedBox.Width(), bleedBox.Height()
	for _, dims := range [][2]float64{{exp.TrimWidthPt, exp.TrimHeightPt}, {exp.TrimHeightPt, exp.TrimWidthPt}} {
		dx, dy := (w-dims[0])/2, (h-dims[1])/2
		if dx >= bleed-tol/2 && dy >= bleed-tol/2 && near(dx, dy, tol) {
			return Box{bleedBox[0] + dx, bleedBox[1] + dy, bleedBox[2] - dx, bleedBox[3] - dy}, true
		}
	}
	return Box{}, false
}

func pageDims(b Box, rotate int) (float64, float64) {
	if rotate == 90 || rotate == 270 {
		return b.Height(), b.Width()
	}
	return b.Width(), b.Height()
}

func minBleed(trim, bleed Box) float64 {
	return math.Max(0, math.Min(math.Min(trim[0]-bleed[0], bleed[2]-trim[2]), math.Min(trim[1]-bleed[1], bleed[3]-trim[3])))
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol+1e-9 }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func mmPair(w, h float64) string {
	return fmt.Sprintf("%s × %s", mmText(w), mmText(h))
}

func mmText(pt float64) string {
	mm := toMM(pt)
	if math.Abs(mm-math.Round(mm)) < 0.05 {
		return fmt.Sprintf("%.0f", mm)
	}
	return fmt.Sprintf("%.1f", mm)
}

func withPages(d map[string]any, pages []int, total int) map[string]any {
	if len(pages) > 1 && len(pages) < total {
		d["pages"] = pages
	}
	return d
}
