package pdffix

import (
	"math"

	"golang.org/x/text/language"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
)

// Each fix's message is the catalogue's text "fix.<code>" (internal/i18n),
// filled from the fix's details and the number of pages it was made on,
// so that it reads the same in every language the customer page speaks.
// Details keep the numbers as numbers: bleed in millimetres, percent for
// a uniform scale.

// message renders a fix in the language of p.
func message(p *i18n.Printer, code string, pages int, details map[string]any) string {
	key := "fix." + code
	pairs := []any{"n", pages}
	if pct, ok := job.DetailNumber(details["percent"]); ok {
		key += ".percent"
		pairs = append(pairs, "percent", int(math.Round(pct)))
	}
	if b, ok := job.DetailNumber(details["bleed"]); ok {
		pairs = append(pairs, "bleed", i18n.Num(b, 1))
	}
	return p.T(key, pairs...)
}

// Localize returns fixes with their messages in the language t, for the
// API, callbacks and the customer page: the stored message is English.
// Codes, pages and details do not change; a code the catalogue does not
// know keeps its message.
func Localize(fs []job.Fix, t language.Tag) []job.Fix {
	p := i18n.NewPrinter(t)
	if p.Tag() == i18n.English || len(fs) == 0 {
		return fs
	}
	out := make([]job.Fix, len(fs))
	for i, f := range fs {
		out[i] = f
		if known[f.Code] {
			out[i].Message = message(p, f.Code, len(f.Pages), f.Details)
		}
	}
	return out
}

// known are the fix codes whose messages the catalogue holds.
var known = map[string]bool{CodeBoxesSet: true, CodeBoxesClipped: true, CodePagesRotated: true,
	CodePagesScaled: true, CodeBleedAdded: true}
