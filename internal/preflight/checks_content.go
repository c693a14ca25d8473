package preflight

import (
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
				Details: withAnnotation(map[string]any{"measured": s.whiteOP.count, "threshold": 0, "area": boxOf(s.whiteOP.rect)}, s.whiteOP.annot)})
		}
		if s.transp.count > 0 {
			rep.add(Finding{Code: CodeTransparency, Check: chkTransparency, Severity: p.Transparency, Page: s.number,
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
		lim, code := p.ImageResolution, CodeLowResImage
		if img.BitsPerComponent == 1 {
			lim, code = p.BitmapResolution, CodeLowResBitmap
		}
		ppi := min(img.PPIX, img.PPIY)
		sev, threshold := lim.classify(ppi)
		if sev == "" {
			continue
		}
		rep.add(Finding{Code: code, Check: chkImageRes, Severity: sev, Page: s.number,
			Details: withAnnotation(map[string]any{"measured": ppi, "threshold": threshold, "recommended": lim.lowest(), "unit": "ppi",
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
		rep.add(Finding{Code: CodeRGB, Check: chkColor, Severity: p.RGB, Page: s.number,
			Details: withAnnotation(map[string]any{"measured": "RGB", "threshold": "CMYK", "objects": s.rgb.count, "kinds": sortedKeys(s.rgbKinds), "area": boxOf(s.rgb.rect)}, s.rgb.annot)})
	}
	if s.lab.count > 0 {
		rep.add(Finding{Code: CodeLab, Check: chkColor, Severity: p.Lab, Page: s.number,
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
	rep.add(Finding{Code: CodeSpotColors, Check: chkSpotColors, Severity: p.SpotColors, Page: first,
		Details: map[string]any{"measured": len(names), "names": names, "threshold": p.MaxSpotColors}})
	if p.MaxSpotColors >= 0 && len(names) > p.MaxSpotColors {
		rep.add(Finding{Code: CodeTooManySpots, Check: chkSpotColors, Severity: p.TooManySpots, Page: first,
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
	rep.add(Finding{Code: CodeHairline, Check: chkLineWidth, Severity: sev, Page: s.number,
		Details: withAnnotation(map[string]any{"measured": round3(s.hairline.min), "threshold": threshold, "recommended": p.MinLineWidthPt.lowest(), "unit": "pt", "area": boxOf(s.hairline.rect)}, s.hairline.minAnnot)})
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
		Details: withAnnotation(map[string]any{"measured": round3(s.text.min), "threshold": threshold, "recommended": p.MinTextSizePt.lowest(), "unit": "pt", "area": boxOf(s.text.rect)}, s.text.minAnnot)})
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
