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
		Details: map[string]any{"measured": "none", "threshold": "GTS_PDFX"}})
}
