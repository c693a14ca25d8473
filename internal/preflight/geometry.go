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
// more than one page is affected.
func (g *pageGroup) details() map[string]any {
	d := map[string]any{}
	for k, v := range g.first {
		d[k] = v
	}
	if len(g.pages) > 1 {
		d["pages"] = g.pages
	}
	return d
}

func checkGeometry(rep *Report, pages []page, p Profile, exp Expectations) {
	if exp.PageCount > 0 && len(pages) != exp.PageCount {
		rep.add(Finding{Code: CodePageCount, Check: chkPageCount, Severity: SeverityError,
			Message: fmt.Sprintf("Your file has %s; the order is for %s. Upload a file with exactly %s.",
				plural(len(pages), "page"), plural(exp.PageCount, "page"), plural(exp.PageCount, "page")),
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
	emitGeometry(rep, p, bleed, bleedSev, len(pages), shortNoTrim, &noTrim, &size, &orient, &short, &differ)
}

func emitGeometry(rep *Report, p Profile, bleed float64, bleedSev Severity, n int, shortNoTrim bool, noTrim, size, orient, short, differ *pageGroup) {
	if len(noTrim.pages) > 0 {
		msg := "Your file does not mark where the pages will be cut (it has no trim box), so we measure bleed from the page edge. If your design includes bleed, export it from your design program with \"use document bleed settings\" and crop marks off."
		rep.add(Finding{Code: CodeTrimBoxMissing, Check: chkTrimBox, Severity: p.TrimBoxMissing, Page: noTrim.pages[0],
			Message: msg, Details: withPages(map[string]any{"measured": len(noTrim.pages), "threshold": 0}, noTrim.pages, n)})
	}
	if len(size.pages) > 0 {
		d := size.details()
		rep.add(Finding{Code: CodeTrimSize, Check: chkTrimSize, Severity: SeverityError, Page: size.pages[0],
			Message: fmt.Sprintf("%s %s %s mm; the order is for %s mm. Set your document size to %s mm and export again.",
				subject(size.pages, n), verb(size.pages, "is", "are"), d["measured"], d["threshold"], d["threshold"]), Details: d})
	}
	if len(orient.pages) > 0 {
		d := orient.details()
		rep.add(Finding{Code: CodeOrientation, Check: chkTrimSize, Severity: SeverityWarning, Page: orient.pages[0],
			Message: fmt.Sprintf("%s %s %s mm, turned the other way from the order (%s mm). Check that your design is the right way round.",
				subject(orient.pages, n), verb(orient.pages, "is", "are"), d["measured"], d["threshold"]), Details: d})
	}
	if len(differ.pages) > 0 {
		d := differ.details()
		rep.add(Finding{Code: CodePageSizesDiffer, Check: chkPageSize, Severity: p.MixedPageSizes, Page: differ.pages[0],
			Message: fmt.Sprintf("Not all pages are the same size: %s %s %s mm, page 1 is %s mm. Make every page the same size.",
				lowerFirst(subject(differ.pages, n)), verb(differ.pages, "is", "are"), d["measured"], d["threshold"]), Details: d})
	}
	if len(short.pages) > 0 {
		d := short.details()
		d["measured"] = round2(short.worst)
		what := fmt.Sprintf("only %.1f mm of bleed", short.worst)
		if short.worst < 0.05 {
			what = "no bleed"
		}
		need := fmt.Sprintf("Print needs %s mm of extra background beyond the cut on every side: extend background colours and pictures %s mm past the page edge and export with bleed.",
			mmText(bleed), mmText(bleed))
		if shortNoTrim && bleedSev != SeverityError {
			need = fmt.Sprintf("If colours or pictures run to the edge of the page, print needs %s mm of extra background beyond the cut: extend them %s mm past the page edge and export with bleed. White margins need nothing.",
				mmText(bleed), mmText(bleed))
		}
		rep.add(Finding{Code: CodeBleed, Check: chkBleed, Severity: bleedSev, Page: short.pages[0],
			Message: fmt.Sprintf("%s %s %s. %s", subject(short.pages, n), verb(short.pages, "has", "have"), what, need), Details: d})
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

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// subject names some pages as the subject of a sentence: "Page 3",
// "Pages 2, 5 and 7", "All 12 pages", "40 pages (from page 3)".
func subject(pages []int, total int) string {
	switch {
	case len(pages) == total && total > 1:
		return fmt.Sprintf("All %d pages", total)
	case len(pages) == 1:
		return fmt.Sprintf("Page %d", pages[0])
	case len(pages) <= 5:
		s := ""
		for i, p := range pages {
			switch {
			case i == 0:
			case i == len(pages)-1:
				s += " and "
			default:
				s += ", "
			}
			s += fmt.Sprint(p)
		}
		return "Pages " + s
	}
	return fmt.Sprintf("%d pages (from page %d)", len(pages), pages[0])
}

// verb picks the singular or plural verb for subject(pages, …).
func verb(pages []int, one, many string) string {
	if len(pages) == 1 {
		return one
	}
	return many
}

func lowerFirst(s string) string {
	if s == "" || s[0] < 'A' || s[0] > 'Z' {
		return s
	}
	return string(s[0]+'a'-'A') + s[1:]
}

func withPages(d map[string]any, pages []int, total int) map[string]any {
	if len(pages) > 1 && len(pages) < total {
		d["pages"] = pages
	}
	return d
}
