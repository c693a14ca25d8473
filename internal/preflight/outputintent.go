package preflight

import (
	"github.com/atomyx/submit/internal/pdfobj"
)

// checkOutputIntent requires a PDF/X output intent (GTS_PDFX) when the
// profile asks for one: it tells the printer which press condition the
// colours were prepared for.
func checkOutputIntent(doc *pdfobj.Doc, rep *Report, p Profile) {
	if p.OutputIntent == SeverityOff {
		return
	}
	root, err := doc.Catalog()
	if err != nil {
		return
	}
	intents, _ := doc.DereferenceArray(root["OutputIntents"])
	for _, o := range intents {
		d, err := doc.DereferenceDict(o)
		if err != nil || d == nil {
			continue
		}
		if s := d.NameEntry("S"); s != nil && *s == "GTS_PDFX" {
			return
		}
	}
	rep.add(Finding{Code: CodeOutputIntent, Check: chkOutputIntent, Severity: p.OutputIntent,
		Message: "Your file does not say which printing conditions its colours were prepared for (no PDF/X output intent). Export it as PDF/X-1a or PDF/X-4 with the printing profile your printer gave you.",
		Details: map[string]any{"measured": "none", "threshold": "GTS_PDFX"}})
}
