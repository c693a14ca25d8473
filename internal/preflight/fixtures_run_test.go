package preflight

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/need"
)

func TestFixturesKnownAnswers(t *testing.T) {
	t.Parallel()
	e, _ := setup(t)
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			t.Parallel()
			p, err := LoadProfile(fx.profile)
			if err != nil {
				t.Fatal(err)
			}
			rep := checkBytes(t, e, fx.pdf(), p, fx.exp)
			var got []string
			for _, f := range rep.Errors {
				if slices.Contains(fx.ignore, f.Code) {
					continue
				}
				if f.Message == "" || f.Details == nil {
					t.Errorf("finding %s has no message or details", f.Code)
				}
				got = append(got, fmt.Sprintf("%s %s %d", f.Code, f.Severity, f.Page))
			}
			want := append([]string(nil), fx.want...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("findings\n  got  %q\n  want %q", got, want)
			}
			if fx.ppi != nil {
				if len(rep.Inventory.Images) != len(fx.ppi) {
					t.Fatalf("%d images, want %d", len(rep.Inventory.Images), len(fx.ppi))
				}
				for i, img := range rep.Inventory.Images {
					if math.Abs(img.PPIX-fx.ppi[i][0]) > 0.15 || math.Abs(img.PPIY-fx.ppi[i][1]) > 0.15 {
						t.Errorf("image %d: %.1f×%.1f ppi, want %v", i, img.PPIX, img.PPIY, fx.ppi[i])
					}
				}
			}
		})
	}
}

// The generated fixtures are also cross-checked against poppler, so that a
// fixture cannot agree with a bug in our own reading of it.
func TestFixturesMatchPoppler(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"pdfinfo", "pdfimages", "pdffonts"} {
		need.Tool(t, name)
	}
	e, p := setup(t)
	dir := t.TempDir()
	for i, fx := range fixtures {
		if !fx.poppler {
			continue
		}
		file := filepath.Join(dir, fmt.Sprintf("fixture-%02d.pdf", i))
		if err := os.WriteFile(file, fx.pdf(), 0o600); err != nil {
			t.Fatal(err)
		}
		rep := checkFile(t, e, file, p, fx.exp)
		out, _ := tool(t, "pdfinfo", "-box", "-f", "1", "-l", fmt.Sprint(rep.Pages), file)
		pages, boxes := popplerBoxes(out)
		if pages != rep.Pages {
			t.Errorf("%s: %d pages, pdfinfo %d", fx.name, rep.Pages, pages)
		}
		for _, pg := range rep.Inventory.Pages {
			compareBoxes(t, fx.name, pg, boxes[pg.Number])
		}
		out, _ = tool(t, "pdfimages", "-list", file)
		want := map[string][]popplerImage{}
		for _, r := range parsePdfimages(out) {
			if r.kind == "image" || r.kind == "stencil" {
				want[imageKey(r.page, r.width, r.height)] = append(want[imageKey(r.page, r.width, r.height)], r)
			}
		}
		got := map[string][]ImageInfo{}
		for _, img := range rep.Inventory.Images {
			got[imageKey(img.Page, img.Width, img.Height)] = append(got[imageKey(img.Page, img.Width, img.Height)], img)
		}
		compareImages(t, fx.name, got, want)
		out, _ = tool(t, "pdffonts", file)
		fonts := parsePdffonts(out)
		if len(fonts) != len(rep.Inventory.Fonts) {
			t.Errorf("%s: %d fonts, pdffonts %d", fx.name, len(rep.Inventory.Fonts), len(fonts))
			continue
		}
		for i, f := range fonts {
			if g := rep.Inventory.Fonts[i]; g.Name != f.name || g.Embedded != f.emb {
				t.Errorf("%s: font %s embedded=%v, pdffonts %s %v", fx.name, g.Name, g.Embedded, f.name, f.emb)
			}
		}
	}
}
