package pdffix

import (
	"testing"

	"golang.org/x/text/language"

	"github.com/atomyx/submit/internal/job"
)

// TestLocalize: a fix's message is written again in the customer's
// language from its code, pages and details, with the language's numbers;
// English and codes the catalogue does not know keep the stored message.
func TestLocalize(t *testing.T) {
	t.Parallel()
	fixes := []job.Fix{
		{Code: CodeBleedAdded, Message: "english", Pages: []int{1, 2}, Details: map[string]any{"bleed": 2.5}},
		{Code: CodePagesScaled, Message: "english", Pages: []int{3}, Details: map[string]any{"percent": float64(71)}},
		{Code: CodePagesRotated, Message: "english", Pages: []int{1, 2, 3, 4, 5}},
		{Code: "SOMETHING_NEW", Message: "kept", Pages: []int{1}},
	}
	tests := []struct {
		lang string
		want []string
	}{
		{"de", []string{
			"Wir haben 2 Seiten 2,5 mm Beschnitt hinzugefügt, indem wir die Ränder Ihres Entwurfs gespiegelt haben; prüfen Sie den Proof.",
			"Wir haben die Seite unter Beibehaltung der Proportionen auf das bestellte Format skaliert (auf 71 %); prüfen Sie, ob kleine Schrift noch gut lesbar ist.",
			"Wir haben 5 Seiten um eine Vierteldrehung gedreht, passend zu Ihrer Bestellung.",
			"kept"}},
		{"pl", []string{
			"Dodaliśmy do 2 stron 2,5 mm spadu, odbijając krawędzie projektu; sprawdź proof.",
			"Przeskalowaliśmy stronę do zamówionego formatu z zachowaniem proporcji (do 71 %); sprawdź, czy drobny tekst jest nadal czytelny.",
			"Obróciliśmy 5 stron o ćwierć obrotu, aby pasowały do zamówienia.",
			"kept"}},
		{"en", []string{"english", "english", "english", "kept"}},
	}
	for _, tt := range tests {
		got := Localize(fixes, language.MustParse(tt.lang))
		for i, f := range got {
			if f.Message != tt.want[i] {
				t.Errorf("%s: fix %s: %q, want %q", tt.lang, f.Code, f.Message, tt.want[i])
			}
			if f.Code != fixes[i].Code || len(f.Pages) != len(fixes[i].Pages) {
				t.Errorf("%s: fix %d changed beyond its message: %+v", tt.lang, i, f)
			}
		}
	}
	if fixes[0].Message != "english" {
		t.Error("Localize changed the fixes it was given")
	}
}
