package preflight

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"golang.org/x/text/language"
)

// sampleFindings has one finding of every code and message variant, with
// Details as the checks build them.
func sampleFindings() []Finding {
	box := Box{10, 10, 50, 50}
	return []Finding{
		fileUnreadable(errString("gone")), notPDF(), fileDamaged(errString("xref")), fileRepaired(errString("xref")),
		fileTooLarge(3<<30, 2<<30), fileTooLarge(5000, 4000), passwordProtected(), printingNotAllowed(), lowPrintQuality(),
		checkTimeout("2m0s"), checkTimeout("1.5s"), tooManyPages(5000, 2000), tooComplex(3, errString("ops")), contentDamaged(2, "bad"),
		{Code: CodePageCount, Severity: SeverityError, Details: map[string]any{"measured": 3, "threshold": 1}},
		{Code: CodeTrimBoxMissing, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 1, "threshold": 0}},
		{Code: CodeTrimSize, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": "210.5 × 297", "threshold": "148 × 210", "unit": "mm"}},
		{Code: CodeTrimSize, Severity: SeverityError, Page: 2, Details: map[string]any{"measured": "210.5 × 297", "threshold": "148 × 210", "pages": []int{2, 3, 7}}},
		{Code: CodeOrientation, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": "297 × 210", "threshold": "210 × 297", "pages": []int{1, 2, 3, 4}, "allPages": true}},
		{Code: CodePageSizesDiffer, Severity: SeverityWarning, Page: 3, Details: map[string]any{"measured": "100 × 100", "threshold": "210 × 297", "pages": []int{3, 4, 5, 6, 7, 8, 9}}},
		{Code: CodeBleed, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 1.5, "threshold": 3.0, "unit": "mm"}},
		{Code: CodeBleed, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 0.0, "threshold": 3.0, "pages": []int{1, 2}, "trimBoxMissing": true}},
		{Code: CodeLowResImage, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 96.4, "threshold": 150.0, "recommended": 225.0, "area": box}},
		{Code: CodeLowResImage, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 180.0, "threshold": 225.0, "recommended": 225.0}},
		{Code: CodeLowResBitmap, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 300.0, "threshold": 550.0, "recommended": 1200.0}},
		{Code: CodeLowResBitmap, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 600.0, "threshold": 1200.0, "recommended": 1200.0}},
		{Code: CodeRGB, Severity: SeverityInfo, Page: 1, Details: map[string]any{"kinds": []string{"images", "text"}}},
		{Code: CodeRGB, Severity: SeverityError, Page: 1, Details: map[string]any{"kinds": []string{"gradients", "images", "shapes"}}},
		{Code: CodeLab, Severity: SeverityWarning, Page: 1},
		{Code: CodeSpotColors, Severity: SeverityInfo, Page: 1, Details: map[string]any{"measured": 1, "names": []string{"PANTONE 185 C"}, "threshold": 2}},
		{Code: CodeSpotColors, Severity: SeverityInfo, Page: 1, Details: map[string]any{"measured": 2, "names": []string{"Gold", "Silver"}, "threshold": 2}},
		{Code: CodeTooManySpots, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 3, "names": []string{"A", "B", "C"}, "threshold": 2}},
		{Code: CodeTooManySpots, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 1, "names": []string{"A"}, "threshold": 0}},
		{Code: CodeHairline, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 0.125, "threshold": 0.25, "recommended": 0.25}},
		{Code: CodeHairline, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 0.0, "threshold": 0.1, "recommended": 0.25}},
		{Code: CodeSmallText, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 4.5, "threshold": 6.0, "recommended": 6.0}},
		{Code: CodeWhiteOverprint, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 1}},
		{Code: CodeWhiteOverprint, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 4}},
		{Code: CodeTransparency, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": []string{"blend mode Multiply", "opacity", "soft mask"}}},
		{Code: CodeFontNotEmbedded, Severity: SeverityError, Page: 1, Details: map[string]any{"font": "ABCDEF+Helvetica"}},
		{Code: CodeFontNotEmbedded, Severity: SeverityError, Page: 1, Details: map[string]any{"fonts": []string{"/F1", "/F2"}}},
		{Code: CodeOutputIntent, Severity: SeverityWarning},
		{Code: CodeInkCoverage, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 385.0, "threshold": 340.0, "object": "image"}},
		{Code: CodeInkCoverage, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 320.0, "threshold": 300.0, "object": "text"}},
		{Code: CodeInkCoverage, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 385.0, "threshold": 340.0, "object": "shape"}},
		{Code: CodeInkNotMeasured, Severity: SeverityInfo, Page: 1, Details: map[string]any{"measured": 1}},
		{Code: CodeInkNotMeasured, Severity: SeverityInfo, Page: 1, Details: map[string]any{"measured": 3}},
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestEveryMessageInEveryLanguage renders every sample in every language,
// as the checks build it and as it comes back from the store, and fails
// on a message that is empty, shows a key or a placeholder, or reads
// differently after the round trip.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	samples := sampleFindings()
	seen := map[string]bool{}
	for _, f := range samples {
		seen[f.Code] = true
	}
	for code := range Codes() {
		if !seen[code] {
			t.Errorf("no sample finding for %s", code)
		}
	}
	stored := toJob(t, samples)
	for _, tag := range i18n.Supported() {
		p := i18n.NewPrinter(tag)
		local := Localize(stored, tag)
		for i, f := range samples {
			m := message(p, f.Code, f.Severity, f.Page, f.Details)
			if m == "" || strings.Contains(m, "finding.") || strings.ContainsAny(m, "{}") || strings.Contains(m, "%!") {
				t.Errorf("%s, %s: bad message %q", tag, f.Code, m)
			}
			if local[i].Message != m {
				t.Errorf("%s, %s: after the store %q, before %q", tag, f.Code, local[i].Message, m)
			}
		}
	}
}

func toJob(t *testing.T, fs []Finding) []job.Finding {
	out := make([]job.Finding, len(fs))
	for i, f := range fs {
		f = say(f)
		b, err := json.Marshal(f.Details)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = job.Finding{Code: f.Code, Severity: string(f.Severity), Message: f.Message, Page: f.Page, Details: b}
	}
	return out
}

// TestMessageNumbersInEachLanguage checks a finding's numbers in the form
// of each language: the decimal comma, the grouping, the percent sign.
func TestMessageNumbersInEachLanguage(t *testing.T) {
	small := Finding{Code: CodeSmallText, Severity: SeverityWarning, Page: 1, Details: map[string]any{"measured": 4.5, "threshold": 6.0, "recommended": 6.0}}
	ink := Finding{Code: CodeInkCoverage, Severity: SeverityError, Page: 1, Details: map[string]any{"measured": 385.0, "threshold": 340.0, "object": "image"}}
	pages := Finding{Code: CodeTooManyPages, Severity: SeverityError, Details: map[string]any{"measured": 12000, "threshold": 2000}}
	for _, tc := range []struct {
		tag               string
		small, ink, pages string
	}{
		{"en", "as small as 4.5 pt", "385% ink", "(12,000; the limit is 2,000)"},
		{"de", "nur 4,5 pt", "385 % Farbauftrag", "(12.000; die Grenze liegt bei 2.000)"},
		{"fr", "seulement 4,5 pt", "385 % d’encre", "(12 000 ; la limite est de 2 000)"},
		{"es", "solo 4,5 pt", "un 385 % de tinta", "(12.000; el límite es 2.000)"},
		{"it", "soli 4,5 pt", "il 385 % di inchiostro", "(12.000; il limite è 2.000)"},
		{"nl", "maar 4,5 pt", "385% inkt", "(12.000; de grens is 2.000)"},
		{"da", "ned til 4,5 pt", "385 % farve", "(12.000; grænsen er 2.000)"},
		{"sv", "liten som 4,5 pt", "385 % färg", "(12 000; gränsen är 2 000)"},
		{"nb", "ned til 4,5 pt", "385 % farge", "(12 000; grensen er 2 000)"},
		{"fi", "vain 4,5 pt", "385 % väriä", "(12 000; raja on 2 000)"},
		{"pl", "zaledwie 4,5 pt", "385% farby", "(12 000; limit to 2 000)"},
	} {
		p := i18n.NewPrinter(language.MustParse(tc.tag))
		for _, c := range []struct {
			f    Finding
			want string
		}{{small, tc.small}, {ink, tc.ink}, {pages, tc.pages}} {
			got := normalSpaces(message(p, c.f.Code, c.f.Severity, c.f.Page, c.f.Details))
			if !strings.Contains(got, c.want) {
				t.Errorf("%s, %s: %q does not contain %q", tc.tag, c.f.Code, got, c.want)
			}
		}
	}
}

func normalSpaces(s string) string {
	return strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(s)
}

func TestLocalizeLeavesOtherFindingsAndEnglishAlone(t *testing.T) {
	fs := []job.Finding{{Code: "ARTWORK_FETCH_FAILED", Message: "The link answered 404."}}
	if got := Localize(fs, language.German); got[0].Message != fs[0].Message {
		t.Errorf("a fetch finding became %q", got[0].Message)
	}
	en := toJob(t, sampleFindings())
	for i, f := range Localize(en, language.English) {
		if f.Message != en[i].Message {
			t.Errorf("English changed: %q", f.Message)
		}
	}
}
