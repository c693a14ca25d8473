package preflight

import (
	"fmt"
	"testing"
)

// Text after a Tf that names a font the resources lack is that missing
// font's, not the font current before it. Here Helvetica, not embedded,
// sets only invisible text (an OCR layer), which prints nothing; the
// visible text is in the missing font, and that is what is reported.
func TestTextInMissingFontIsNotCreditedToThePreviousFont(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	pdf := onePage(func(w *pdfWriter) string {
		f := w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
		return fmt.Sprintf("<< /Font << /F1 %d 0 R >> >>", f)
	}, "BT 3 Tr /F1 12 Tf 100 700 Td (OCR layer) Tj 0 Tr /F2 12 Tf 0 -20 Td (Visible) Tj ET")()
	rep := checkBytes(t, e, pdf, p, Expectations{})
	var found []map[string]any
	for _, f := range rep.Errors {
		if f.Code == CodeFontNotEmbedded {
			found = append(found, f.Details)
		}
	}
	if len(found) != 1 || found[0]["font"] != nil || fmt.Sprint(found[0]["fonts"]) != "[/F2]" {
		t.Errorf("FONT_NOT_EMBEDDED details %v, want one finding for the missing /F2", found)
	}
}
