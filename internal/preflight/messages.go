package preflight

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"golang.org/x/text/language"
)

// A finding's message is rendered from its code, severity, page and
// details, never stored alone: the check writes it in English (the
// report's canonical form), and Localize writes it again in a job's
// language from the same fields after they have been through the store.
// So every number a message shows is in Details, and message reads
// Details both as the checks build them (int, []int, Box) and as JSON
// gives them back (float64, []any).

var english = i18n.NewPrinter(i18n.English)

// say sets the finding's English message; checks call it last, when
// Details are complete.
func say(f Finding) Finding {
	f.Message = message(english, f.Code, f.Severity, f.Page, f.Details)
	return f
}

// Localize returns the findings with each preflight message rendered in
// the language t; findings this package did not make (a failed artwork
// fetch) keep theirs. The slice is a copy; fs is not changed.
func Localize(fs []job.Finding, t language.Tag) []job.Finding {
	p := i18n.NewPrinter(t)
	if p.Tag() == i18n.English || len(fs) == 0 {
		return fs
	}
	out := make([]job.Finding, len(fs))
	for i, f := range fs {
		out[i] = f
		if _, ok := codeChecks[f.Code]; !ok {
			continue
		}
		// The details by their hash: they come from the uploaded file
		// (a font's name, every page short of bleed) and may be long.
		sum := sha256.Sum256(f.Details)
		k := p.Tag().String() + "\x00" + f.Code + "\x00" + f.Severity + "\x00" + strconv.Itoa(f.Page) + "\x00" + string(sum[:])
		if m, ok := localized.Get(k); ok {
			out[i].Message = m
			continue
		}
		d := map[string]any{}
		if len(f.Details) > 0 && json.Unmarshal(f.Details, &d) != nil {
			continue
		}
		if m := message(p, f.Code, Severity(f.Severity), f.Page, d); m != "" {
			out[i].Message = m
			localized.Put(k, m)
		}
	}
	return out
}

// localized remembers findings said again, by language and by everything
// their message is made from: a job's stored findings are localised on
// every view of its page, every API read and every callback, and reading
// their details and writing several texts takes 10 µs or more each.
var localized i18n.Memo

// Localized returns the report's findings with their messages in the
// language t, for the HTML report.
func (r *Report) localized(p *i18n.Printer) []Finding {
	out := make([]Finding, len(r.Errors))
	for i, f := range r.Errors {
		out[i] = f
		out[i].Message = message(p, f.Code, f.Severity, f.Page, f.Details)
	}
	return out
}

// message renders one finding; "" for a code it does not know.
func message(p *i18n.Printer, code string, sev Severity, page int, d map[string]any) string {
	key := "finding." + code
	switch code {
	case CodeFileTooLarge:
		return p.T(key, "size", bytesIn(p, num(d, "measured")), "limit", bytesIn(p, num(d, "threshold")))
	case CodeCheckTimeout:
		return p.T(key, "limit", durationIn(p, str(d, "threshold")))
	case CodeTooManyPages:
		return p.T(key, "n", int(num(d, "measured")), "limit", int(num(d, "threshold")))
	case CodePageCount:
		return p.T(key, "pages", p.T("pages.count", "n", int(num(d, "measured"))),
			"ordered", p.T("pages.count", "n", int(num(d, "threshold"))))
	case CodeTrimSize, CodeOrientation:
		pages := pagesOf(d, page)
		return p.T(key, "count", len(pages), "subject", subjectIn(p, pages, d), "size", sizeIn(p, str(d, "measured")), "ordered", sizeIn(p, str(d, "threshold")))
	case CodePageSizesDiffer:
		return p.T(key, "subject", subjectIn(p, pagesOf(d, page), d), "size", sizeIn(p, str(d, "measured")), "first", sizeIn(p, str(d, "threshold")))
	case CodeBleed:
		return bleedIn(p, sev, page, d)
	case CodeLowResImage, CodeLowResBitmap:
		return p.T(key+"."+variant(sev), "ppi", i18n.Num(num(d, "measured"), 0), "min", i18n.Num(num(d, "threshold"), 0), "sharp", i18n.Num(num(d, "recommended"), 0))
	case CodeRGB:
		v := "convert"
		if sev == SeverityError || sev == SeverityWarning {
			v = "fix"
		}
		kinds := strs(d, "kinds")
		for i, k := range kinds {
			kinds[i] = p.T("kind." + k)
		}
		return p.T(key+"."+v, "what", listIn(p, kinds))
	case CodeSpotColors, CodeTooManySpots:
		names := strs(d, "names")
		args := []any{"n", len(names), "names", `"` + strings.Join(names, `", "`) + `"`}
		if code == CodeTooManySpots {
			limit := p.T(key + ".none")
			if m := int(num(d, "threshold")); m > 0 {
				limit = p.T(key+".max", "max", m)
			}
			args = append(args, "limit", limit)
		}
		return p.T(key, args...)
	case CodeHairline:
		w, width := num(d, "measured"), p.T(key+".zero")
		if w > 0 {
			width = p.T(key+".width", "pt", i18n.Num(w, 2), "mm", i18n.Num(toMM(w), 2))
		}
		return p.T(key, "width", width, "min", i18n.Num(num(d, "recommended"), 2))
	case CodeSmallText:
		return p.T(key, "size", i18n.Num(num(d, "measured"), 1), "min", i18n.Num(num(d, "recommended"), 0))
	case CodeWhiteOverprint:
		return p.T(key, "n", int(num(d, "measured")))
	case CodeTransparency:
		return p.T(key, "what", strings.Join(transparencyIn(p, strs(d, "measured")), ", "))
	case CodeFontNotEmbedded:
		if fonts := strs(d, "fonts"); len(fonts) > 0 {
			return p.T(key+".missing", "fonts", strings.Join(fonts, ", "))
		}
		return p.T(key, "font", displayFont(str(d, "font")))
	case CodeInkCoverage:
		return p.T(key+"."+variant(sev)+"."+str(d, "object"), "ink", i18n.Num(num(d, "measured"), 0), "limit", i18n.Num(num(d, "threshold"), 0))
	case CodeInkNotMeasured:
		return p.T(key, "n", int(num(d, "measured")))
	}
	if _, ok := codeChecks[code]; ok {
		return p.T(key) // the messages without placeholders
	}
	return ""
}

func variant(sev Severity) string {
	if sev == SeverityError {
		return "error"
	}
	return "warning"
}

func bleedIn(p *i18n.Printer, sev Severity, page int, d map[string]any) string {
	pages := pagesOf(d, page)
	subject, worst, bleed := subjectIn(p, pages, d), num(d, "measured"), num(d, "threshold")
	what := p.T("finding.INSUFFICIENT_BLEED.short", "count", len(pages), "subject", subject, "bleed", i18n.Num(worst, 1))
	if worst < 0.05 {
		what = p.T("finding.INSUFFICIENT_BLEED.none", "count", len(pages), "subject", subject)
	}
	need := "finding.INSUFFICIENT_BLEED.need"
	if flag(d, "trimBoxMissing") && sev != SeverityError {
		need = "finding.INSUFFICIENT_BLEED.needAtEdge"
	}
	return what + " " + p.T(need, "bleed", i18n.Num(bleed, 1))
}

// subjectIn names pages as the subject of a sentence: "Page 3", "Pages 2,
// 5 and 7", "All 12 pages", "40 pages (from page 3)".
func subjectIn(p *i18n.Printer, pages []int, d map[string]any) string {
	switch {
	case flag(d, "allPages"):
		return p.T("pages.all", "n", len(pages))
	case len(pages) == 1:
		return p.T("pages.one", "page", pages[0])
	case len(pages) <= 5:
		s := make([]string, len(pages))
		for i, n := range pages {
			s[i] = p.Sprint(n)
		}
		return p.T("pages.list", "list", listIn(p, s))
	}
	return p.T("pages.from", "n", len(pages), "first", pages[0])
}

// listIn joins words as the language does: "a, b and c".
func listIn(p *i18n.Printer, s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return p.T("list.and", "rest", strings.Join(s[:len(s)-1], ", "), "last", s[len(s)-1])
}

func transparencyIn(p *i18n.Printer, reasons []string) []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		switch {
		case r == "soft mask":
			out[i] = p.T("finding.TRANSPARENCY.softMask")
		case r == "opacity":
			out[i] = p.T("finding.TRANSPARENCY.opacity")
		case strings.HasPrefix(r, "blend mode "):
			out[i] = p.T("finding.TRANSPARENCY.blend", "mode", strings.TrimPrefix(r, "blend mode "))
		default:
			out[i] = r
		}
	}
	return out
}

func bytesIn(p *i18n.Printer, n float64) string {
	const mb = 1 << 20
	if n >= mb {
		return p.T("size.mb", "n", i18n.Num(math.Round(n/mb), 0))
	}
	return p.T("size.kb", "n", int((n+1023)/1024))
}

// durationIn writes a Go duration ("2m0s") as minutes or seconds.
func durationIn(p *i18n.Printer, s string) string {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return s
	case d >= time.Minute && d%time.Minute == 0:
		return p.T("duration.minutes", "n", int(d/time.Minute))
	}
	return p.T("duration.seconds", "n", i18n.Num(d.Seconds(), 1))
}

// sizeIn rewrites a "210 × 297" size with the language's decimals.
func sizeIn(p *i18n.Printer, s string) string {
	w, h, ok := strings.Cut(s, " × ")
	fw, err1 := strconv.ParseFloat(w, 64)
	fh, err2 := strconv.ParseFloat(h, 64)
	if !ok || err1 != nil || err2 != nil {
		return s
	}
	return p.T("size.wh", "w", i18n.Num(fw, 1), "h", i18n.Num(fh, 1))
}

// pagesOf is the pages a grouped finding covers: Details' list, else the
// finding's own page.
func pagesOf(d map[string]any, page int) []int {
	switch v := d["pages"].(type) {
	case []int:
		return v
	case []any:
		out := make([]int, 0, len(v))
		for _, x := range v {
			if f, ok := x.(float64); ok {
				out = append(out, int(f))
			}
		}
		return out
	}
	return []int{page}
}

func num(d map[string]any, k string) float64 {
	n, _ := job.DetailNumber(d[k])
	return n
}

func str(d map[string]any, k string) string {
	if s, ok := d[k].(string); ok {
		return s
	}
	if d[k] == nil {
		return ""
	}
	return fmt.Sprint(d[k])
}

func flag(d map[string]any, k string) bool {
	b, _ := d[k].(bool)
	return b
}

// strs returns a copy of a list of strings, as built or as decoded.
func strs(d map[string]any, k string) []string {
	switch v := d[k].(type) {
	case []string:
		return append([]string(nil), v...)
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
