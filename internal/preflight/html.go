package preflight

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	"io"
	"math"
	"path/filepath"
	"sort"

	"github.com/atomyx/submit/internal/i18n"
	"golang.org/x/text/language"
)

//go:embed report.html.tmpl
var reportHTML string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.2f%%", f) },
}).Parse(reportHTML))

// htmlMark is a problem area on a thumbnail, in percent of the picture.
type htmlMark struct {
	N                        int
	Severity                 Severity
	Left, Top, Width, Height float64
}

type htmlFinding struct {
	N int
	Finding
}

type htmlPage struct {
	raw      []Finding
	Number   int
	Thumb    template.URL
	Marks    []htmlMark
	Findings []htmlFinding
}

type htmlReport struct {
	*Report
	// Lang is the report's language; p renders its words in it.
	Lang             string
	p                *i18n.Printer
	Name             string
	Passed           bool
	Errors, Warnings int
	File             []htmlFinding
	Pages            []htmlPage
}

// T renders a catalogue text in the report's language.
func (v htmlReport) T(key string, pairs ...any) string { return v.p.T(key, pairs...) }

// Num writes a whole number as the report's language does.
func (v htmlReport) Num(f float64) string { return v.p.Sprint(i18n.Num(f, 0)) }

// WriteHTML writes the report as a page a customer can read, in the
// language lang (the closest we have; English for none): the verdict,
// then the findings grouped by page, each page shown as a thumbnail with
// the problem areas marked. thumbs maps page numbers to pictures of the
// page as displayed (its CropBox, turned by /Rotate); pages without one
// are listed without a picture.
func (r *Report) WriteHTML(w io.Writer, thumbs map[int]image.Image, lang language.Tag) error {
	p := i18n.NewPrinter(lang)
	v := htmlReport{Report: r, Passed: r.Status == StatusPassed, Name: filepath.Base(r.File), p: p, Lang: p.Tag().String()}
	byPage := map[int]*htmlPage{}
	var file []Finding
	for _, f := range r.localized(p) {
		switch f.Severity {
		case SeverityError:
			v.Errors++
		case SeverityWarning:
			v.Warnings++
		}
		if f.Page == 0 || f.Page > len(r.Inventory.Pages) {
			file = append(file, f)
			continue
		}
		if byPage[f.Page] == nil {
			byPage[f.Page] = &htmlPage{Number: f.Page}
		}
		byPage[f.Page].raw = append(byPage[f.Page].raw, f)
	}
	n := 0
	v.File = number(file, &n)
	for _, num := range sortedPages(byPage) {
		pg := byPage[num]
		pg.Findings = number(pg.raw, &n)
		pg.Marks = marks(pg.Findings, r.Inventory.Pages[num-1])
		if img := thumbs[num]; img != nil {
			uri, err := dataURI(img)
			if err != nil {
				return fmt.Errorf("encode thumbnail of page %d: %w", num, err)
			}
			pg.Thumb = uri
		}
		v.Pages = append(v.Pages, *pg)
	}
	if err := reportTmpl.Execute(w, v); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}

var severityRank = map[Severity]int{SeverityError: 0, SeverityWarning: 1, SeverityInfo: 2}

// number orders findings errors first and numbers them on from *n, so
// the numbers read top to bottom through the report.
func number(fs []Finding, n *int) []htmlFinding {
	sort.SliceStable(fs, func(i, j int) bool { return severityRank[fs[i].Severity] < severityRank[fs[j].Severity] })
	out := make([]htmlFinding, len(fs))
	for i, f := range fs {
		*n++
		out[i] = htmlFinding{N: *n, Finding: f}
	}
	return out
}

// marks places a mark per finding with an area; errors are drawn last so
// that they stay on top where areas overlap.
func marks(fs []htmlFinding, pg PageInfo) []htmlMark {
	var out []htmlMark
	for i := len(fs) - 1; i >= 0; i-- {
		f := fs[i]
		if area, ok := areaOf(f.Details["area"]); ok {
			if m, ok := markFor(area, pg); ok {
				m.N, m.Severity = f.N, f.Severity
				out = append(out, m)
			}
		}
	}
	return out
}

func sortedPages(m map[int]*htmlPage) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func dataURI(img image.Image) (template.URL, error) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 82}); err != nil {
		return "", err
	}
	// The URI is built here from our own JPEG bytes, so it is safe.
	return template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}

// areaOf reads details.area, as set by the engine (Box) or decoded from
// stored JSON ([]any of four numbers).
func areaOf(v any) (Box, bool) {
	switch a := v.(type) {
	case Box:
		return a, a != Box{}
	case []any:
		if len(a) != 4 {
			return Box{}, false
		}
		var b Box
		for i, x := range a {
			f, ok := x.(float64)
			if !ok {
				return Box{}, false
			}
			b[i] = f
		}
		return b, b != Box{}
	}
	return Box{}, false
}

// markFor maps an area in user space to percentages of the page picture,
// which shows the CropBox turned clockwise by /Rotate.
func markFor(a Box, pg PageInfo) (htmlMark, bool) {
	view := *pg.MediaBox
	if pg.CropBox != nil {
		view = *pg.CropBox
	}
	if view.Width() <= 0 || view.Height() <= 0 {
		return htmlMark{}, false
	}
	at := func(x, y float64) (float64, float64) {
		u, v := (x-view[0])/view.Width(), (y-view[1])/view.Height()
		switch pg.Rotate {
		case 90:
			return v, u
		case 180:
			return 1 - u, v
		case 270:
			return 1 - v, 1 - u
		}
		return u, 1 - v
	}
	x0, y0 := at(a[0], a[1])
	x1, y1 := at(a[2], a[3])
	if math.Max(x0, x1) < 0 || math.Min(x0, x1) > 1 || math.Max(y0, y1) < 0 || math.Min(y0, y1) > 1 {
		return htmlMark{}, false // entirely off the page
	}
	clamp := func(f float64) float64 { return math.Max(0, math.Min(1, f)) }
	l, t := clamp(math.Min(x0, x1)), clamp(math.Min(y0, y1))
	rr, b := clamp(math.Max(x0, x1)), clamp(math.Max(y0, y1))
	const minSize = 0.015 // a hairline (zero height) still gets a visible mark
	w, h := math.Max(rr-l, minSize), math.Max(b-t, minSize)
	l, t = math.Min(l, 1-w), math.Min(t, 1-h)
	return htmlMark{Left: l * 100, Top: t * 100, Width: w * 100, Height: h * 100}, true
}
