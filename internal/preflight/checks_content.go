package preflight

import (
	"fmt"
	"sort"
	"strings"

	"github.com/atomyx/submit/internal/preflight/content"
)

// checkContent turns what the interpreter saw on each page into findings.
// Content findings are per page, so that the report can mark the area.
func checkContent(rep *Report, scans []*pageScan, p Profile) {
	spots := map[string][]int{}
	for _, s := range scans {
		if s == nil {
			continue
		}
		if len(s.problems) > 0 {
			rep.add(contentDamaged(s.number, strings.Join(s.problems, "; ")))
		}
		checkImages(rep, s, p)
		checkPageColour(rep, s, p)
		for n := range s.spots {
			spots[n] = append(spots[n], s.number)
		}
		checkThinLines(rep, s, p)
		checkSmallText(rep, s, p)
		checkInk(rep, s, p)
		if s.whiteOP.count > 0 {
			rep.add(Finding{Code: CodeWhiteOverprint, Check: chkOverprint, Severity: p.WhiteOverprint, Page: s.number,
				Message: fmt.Sprintf("%s on this page %s white and set to overprint, so %s will disappear in print. Switch overprint off for white objects.",
					countText(s.whiteOP.count, "object"), verbN(s.whiteOP.count, "is", "are"), itThey(s.whiteOP.count)),
				Details: withAnnotation(map[string]any{"measured": s.whiteOP.count, "threshold": 0, "area": boxOf(s.whiteOP.rect)}, s.whiteOP.annot)})
		}
		if s.transp.count > 0 {
			rep.add(Finding{Code: CodeTransparency, Check: chkTransparency, Severity: p.Transparency, Page: s.number,
				Message: "This page uses transparency (" + strings.Join(sortedKeys(s.reasons), ", ") + "), which this print process does not accept. Export as PDF/X-1a, which flattens transparency.",
				Details: withAnnotation(map[string]any{"measured": sortedKeys(s.reasons), "threshold": "none", "area": boxOf(s.transp.rect)}, s.transp.annot)})
		}
	}
	checkSpots(rep, spots, p)
}

func checkImages(rep *Report, s *pageScan, p Profile) {
	for _, img := range s.images {
		if img.offPage || isTiny(img, p.TinyImagePixels) {
			continue
		}
		lim, code, kind := p.ImageResolution, CodeLowResImage, "image"
		if img.BitsPerComponent == 1 {
			lim, code, kind = p.BitmapResolution, CodeLowResBitmap, "line-art image"
		}
		ppi := min(img.PPIX, img.PPIY)
		sev, threshold := lim.classify(ppi)
		if sev == "" {
			continue
		}
		msg := fmt.Sprintf("This %s is %.0f ppi at its printed size; print needs at least %.0f ppi (%.0f ppi looks sharp). Upload a larger original, or place it smaller.",
			kind, ppi, threshold, lim.lowest())
		if sev == SeverityWarning {
			msg = fmt.Sprintf("This %s is %.0f ppi at its printed size; it will print, but %.0f ppi would be sharper. Use a larger original if you have one.",
				kind, ppi, lim.lowest())
		}
		rep.add(Finding{Code: code, Check: chkImageRes, Severity: sev, Page: s.number, Message: msg,
			Details: withAnnotation(map[string]any{"measured": ppi, "threshold": threshold, "unit": "ppi",
				"ppiX": img.PPIX, "ppiY": img.PPIY, "width": img.Width, "height": img.Height, "area": img.Area}, img.Annotation)})
	}
}

// isTiny exempts images too small to be pictures: icons, single-colour
// fills and one- or two-pixel gradient strips.
func isTiny(img ImageInfo, tiny int) bool {
	return (img.Width <= tiny && img.Height <= tiny) || min(img.Width, img.Height) <= 2
}

func checkPageColour(rep *Report, s *pageScan, p Profile) {
	if s.rgb.count > 0 {
		what := strings.Join(sortedKeys(s.rgbKinds), " and ")
		msg := fmt.Sprintf("This page uses RGB colour (%s). Print uses CMYK inks; we will convert it, and bright colours may print duller.", what)
		if p.RGB == SeverityError || p.RGB == SeverityWarning {
			msg = fmt.Sprintf("This page uses RGB colour (%s), but print needs CMYK. Convert the artwork to CMYK in your design program and export again.", what)
		}
		rep.add(Finding{Code: CodeRGB, Check: chkColor, Severity: p.RGB, Page: s.number, Message: msg,
			Details: withAnnotation(map[string]any{"measured": "RGB", "threshold": "CMYK", "objects": s.rgb.count, "area": boxOf(s.rgb.rect)}, s.rgb.annot)})
	}
	if s.lab.count > 0 {
		rep.add(Finding{Code: CodeLab, Check: chkColor, Severity: p.Lab, Page: s.number,
			Message: "This page uses Lab colour. Print uses CMYK inks; convert it to CMYK in your design program so the colours print as you expect.",
			Details: withAnnotation(map[string]any{"measured": "Lab", "threshold": "CMYK", "objects": s.lab.count, "area": boxOf(s.lab.rect)}, s.lab.annot)})
	}
}

func checkSpots(rep *Report, spots map[string][]int, p Profile) {
	if len(spots) == 0 {
		return
	}
	names := sortedKeys(spots)
	first := 0
	for _, pages := range spots {
		if first == 0 || pages[0] < first {
			first = pages[0]
		}
	}
	quoted := `"` + strings.Join(names, `", "`) + `"`
	rep.add(Finding{Code: CodeSpotColors, Check: chkSpotColors, Severity: p.SpotColors, Page: first,
		Message: fmt.Sprintf("Your file uses %s: %s. Each spot colour is printed with its own ink; if you did not mean that, convert them to CMYK.", countText(len(names), "spot colour"), quoted),
		Details: map[string]any{"measured": len(names), "names": names, "threshold": p.MaxSpotColors}})
	if p.MaxSpotColors >= 0 && len(names) > p.MaxSpotColors {
		limit := "no spot colours"
		if p.MaxSpotColors > 0 {
			limit = fmt.Sprintf("at most %s", countText(p.MaxSpotColors, "spot colour"))
		}
		rep.add(Finding{Code: CodeTooManySpots, Check: chkSpotColors, Severity: p.TooManySpots, Page: first,
			Message: fmt.Sprintf("Your file uses %s (%s), but this print process allows %s. Convert them to CMYK in your design program.", countText(len(names), "spot colour"), quoted, limit),
			Details: map[string]any{"measured": len(names), "names": names, "threshold": p.MaxSpotColors}})
	}
}

func checkThinLines(rep *Report, s *pageScan, p Profile) {
	if s.hairline.count == 0 {
		return
	}
	sev, threshold := p.MinLineWidthPt.classify(s.hairline.min)
	if sev == "" {
		return
	}
	w := fmt.Sprintf("%.2f pt (%.2f mm)", s.hairline.min, toMM(s.hairline.min))
	if s.hairline.min == 0 {
		w = "0 pt, the thinnest line a printer can make"
	}
	rep.add(Finding{Code: CodeHairline, Check: chkLineWidth, Severity: sev, Page: s.number,
		Message: fmt.Sprintf("This page has lines as thin as %s; lines thinner than %.2f pt may not print or may break up. Make them at least %.2f pt thick.",
			w, p.MinLineWidthPt.lowest(), p.MinLineWidthPt.lowest()),
		Details: withAnnotation(map[string]any{"measured": round3(s.hairline.min), "threshold": threshold, "unit": "pt", "area": boxOf(s.hairline.rect)}, s.hairline.minAnnot)})
}

func checkSmallText(rep *Report, s *pageScan, p Profile) {
	if s.text.count == 0 {
		return
	}
	sev, threshold := p.MinTextSizePt.classify(s.text.min)
	if sev == "" {
		return
	}
	rep.add(Finding{Code: CodeSmallText, Check: chkTextSize, Severity: sev, Page: s.number,
		Message: fmt.Sprintf("This page has text as small as %.1f pt, which may be hard to read or print unevenly. Make text at least %.0f pt.",
			s.text.min, p.MinTextSizePt.lowest()),
		Details: withAnnotation(map[string]any{"measured": round3(s.text.min), "threshold": threshold, "unit": "pt", "area": boxOf(s.text.rect)}, s.text.minAnnot)})
}

func round3(v float64) float64 { return float64(int(v*1000+0.5)) / 1000 }

func boxOf(r content.Rect) Box {
	if r.Empty() {
		return Box{}
	}
	return Box{r.X0, r.Y0, r.X1, r.Y1}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func countText(n int, word string) string {
	if n == 1 {
		if strings.HasPrefix(word, "o") {
			return "An " + word
		}
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func verbN(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func itThey(n int) string {
	if n == 1 {
		return "it"
	}
	return "they"
}
