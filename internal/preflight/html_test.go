package preflight

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"math"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

func TestMarkFor(t *testing.T) {
	t.Parallel()
	page := PageInfo{MediaBox: &Box{0, 0, 200, 100}}
	area := Box{0, 50, 50, 100} // the top-left quarter of the width, top half
	tests := []struct {
		rotate                   int
		left, top, width, height float64
	}{
		{0, 0, 0, 25, 50},
		{90, 50, 0, 50, 25},
		{180, 75, 50, 25, 50},
		{270, 0, 75, 50, 25},
	}
	for _, tt := range tests {
		page.Rotate = tt.rotate
		m, ok := markFor(area, page)
		got := []float64{m.Left, m.Top, m.Width, m.Height}
		want := []float64{tt.left, tt.top, tt.width, tt.height}
		for i := range got {
			if !ok || math.Abs(got[i]-want[i]) > 1e-9 {
				t.Errorf("rotate %d: mark %v, want %v", tt.rotate, got, want)
				break
			}
		}
	}
	if _, ok := markFor(Box{300, 300, 400, 400}, PageInfo{MediaBox: &Box{0, 0, 200, 100}}); ok {
		t.Error("an area off the page got a mark")
	}
	if m, ok := markFor(Box{10, 50, 190, 50}, PageInfo{MediaBox: &Box{0, 0, 200, 100}}); !ok || m.Height <= 0 {
		t.Errorf("a horizontal hairline got no visible mark: %+v %v", m, ok)
	}
}

func TestWriteHTML(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	var fx fixture
	for _, f := range fixtures {
		if strings.HasPrefix(f.name, "images at 72") {
			fx = f
		}
	}
	rep := checkBytes(t, e, fx.pdf(), p, Expectations{PageCount: 2})
	rep.File = "<script>alert(1)</script>.pdf"
	thumb := image.NewRGBA(image.Rect(0, 0, 60, 85))
	thumb.Set(1, 1, color.Black)
	for _, r := range []*Report{rep, roundTrip(t, rep)} {
		var b bytes.Buffer
		if err := r.WriteHTML(&b, map[int]image.Image{1: thumb}, language.English); err != nil {
			t.Fatalf("WriteHTML: %v", err)
		}
		html := b.String()
		for _, want := range []string{"needs changes", "About the whole file", "Page 1", "data:image/jpeg;base64,", `class="mark error"`, "print needs at least 150 ppi"} {
			if !strings.Contains(html, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		if strings.Contains(html, "<script>alert") {
			t.Error("file name is not escaped")
		}
	}
}

// TestWriteHTMLInEachLanguage: the report speaks the language asked for,
// its findings' messages included, as written and as stored.
func TestWriteHTMLInEachLanguage(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	var fx fixture
	for _, f := range fixtures {
		if strings.HasPrefix(f.name, "images at 72") {
			fx = f
		}
	}
	rep := checkBytes(t, e, fx.pdf(), p, Expectations{PageCount: 2})
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"de", []string{`<html lang="de">`, "<h1>Druckprüfung</h1>", "Zur gesamten Datei", "Seite 1", "Muss behoben werden",
			"Ihre Datei hat 1 Seite; bestellt sind 2 Seiten.", "für den Druck sind mindestens 150 ppi nötig"}},
		{"fi", []string{`<html lang="fi">`, "<h1>Painotarkistus</h1>", "Koko tiedostosta", "Sivu 1", "Korjattava",
			"Tiedostossasi on 1 sivu; tilauksessa on 2 sivua.", "painaminen vaatii vähintään 150 ppi"}},
		{"en-GB", []string{`<html lang="en">`, "<h1>Print check</h1>", "Your file has 1 page; the order is for 2 pages."}},
	} {
		for _, r := range []*Report{rep, roundTrip(t, rep)} {
			var b bytes.Buffer
			if err := r.WriteHTML(&b, nil, language.MustParse(tc.lang)); err != nil {
				t.Fatalf("WriteHTML: %v", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(b.String(), want) {
					t.Errorf("%s report lacks %q", tc.lang, want)
				}
			}
		}
	}
}

// roundTrip decodes the report from its JSON, as a stored report would be.
func roundTrip(t *testing.T, r *Report) *Report {
	t.Helper()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out Report
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}
