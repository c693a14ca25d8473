package preflight

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/need"
)

// allCorpus lists every corpus PDF.
func allCorpus(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, sub := range []string{"qpdf", "verapdf/6.2.11", "verapdf/6.2.3", "verapdf/6.2.4.3", "verapdf/6.2.4.4", "verapdf/6.2.10"} {
		files = append(files, corpusFiles(t, sub)...)
	}
	return files
}

// knownImageDifferences are files whose images we knowingly list
// differently from pdfimages.
var knownImageDifferences = map[string]string{
	// The content stream is damaged before its inline image; poppler stops
	// at the first syntax error and lists nothing, we skip the bad operator
	// and find the image.
	"issue-117.pdf": "damaged content stream",
}

// popplerImage is one row of `pdfimages -list`.
type popplerImage struct {
	page, width, height int
	kind                string
	xppi, yppi          float64
}

func parsePdfimages(out string) []popplerImage {
	var rows []popplerImage
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 14 || f[0] == "page" {
			continue
		}
		page, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		w, _ := strconv.Atoi(f[3])
		h, _ := strconv.Atoi(f[4])
		x, _ := strconv.ParseFloat(f[12], 64)
		y, _ := strconv.ParseFloat(f[13], 64)
		rows = append(rows, popplerImage{page: page, kind: f[2], width: w, height: h, xppi: x, yppi: y})
	}
	return rows
}

// imageKey renders a placement for comparison: pdfimages prints ppi
// rounded after adding 0.5, so values are compared within one ppi.
func imageKey(page, w, h int) string { return fmt.Sprintf("p%d %dx%d", page, w, h) }

// Every placed image (not soft masks, which pdfimages lists separately)
// has the effective ppi pdfimages -list reports.
func TestCorpusImagesMatchPdfimages(t *testing.T) {
	t.Parallel()
	need.Tool(t, "pdfimages")
	e, p := setup(t)
	compared := 0
	for _, file := range allCorpus(t) {
		name := filepath.Base(file)
		if knownDifferences[name] != "" || knownImageDifferences[name] != "" {
			continue
		}
		rep := checkFile(t, e, file, p, Expectations{})
		if rep.Unusable() {
			continue
		}
		out, ok := tool(t, "pdfimages", "-list", file)
		if !ok {
			continue
		}
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
		compareImages(t, name, got, want)
		compared++
	}
	if compared < 100 {
		t.Errorf("only %d files compared", compared)
	}
}

func compareImages(t *testing.T, name string, got map[string][]ImageInfo, want map[string][]popplerImage) {
	t.Helper()
	for k, ws := range want {
		gs := got[k]
		if len(gs) != len(ws) {
			t.Errorf("%s %s: %d placements, pdfimages %d", name, k, len(gs), len(ws))
			continue
		}
		sort.Slice(gs, func(i, j int) bool { return gs[i].PPIX < gs[j].PPIX })
		sort.Slice(ws, func(i, j int) bool { return ws[i].xppi < ws[j].xppi })
		for i := range ws {
			if ws[i].yppi == 0 && ws[i].width <= 2 && ws[i].height <= 2 {
				// pdfimages prints y-ppi 0 for 1×1 inline images drawn
				// without a cm (a 1 pt square: 72 ppi). They are exempt
				// from the checks as tiny images anyway.
				continue
			}
			if !ppiNear(gs[i].PPIX, ws[i].xppi) || !ppiNear(gs[i].PPIY, ws[i].yppi) {
				t.Errorf("%s %s: ppi %.1f×%.1f, pdfimages %.0f×%.0f", name, k, gs[i].PPIX, gs[i].PPIY, ws[i].xppi, ws[i].yppi)
			}
		}
	}
	for k, gs := range got {
		if len(want[k]) == 0 {
			t.Errorf("%s %s: %d placements pdfimages does not list", name, k, len(gs))
		}
	}
}

func ppiNear(ours, poppler float64) bool {
	return math.Abs(ours+0.5-poppler) <= 1 || (ours < 1 && poppler < 1)
}

// popplerFont is one row of pdffonts.
type popplerFont struct {
	name string
	emb  bool
}

func parsePdffonts(out string) []popplerFont {
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		return nil
	}
	// The dashes under the header give the column widths.
	cols := strings.Fields(lines[1])
	if len(cols) < 4 {
		return nil
	}
	nameW, typeW, encW := len(cols[0]), len(cols[1]), len(cols[2])
	embAt := nameW + 1 + typeW + 1 + encW + 1
	var rows []popplerFont
	for _, line := range lines[2:] {
		if len(line) < embAt+3 {
			continue
		}
		rows = append(rows, popplerFont{name: strings.TrimSpace(line[:nameW]), emb: line[embAt:embAt+3] == "yes"})
	}
	return rows
}

// The inventory lists the fonts pdffonts lists, with the same embedded flag.
func TestCorpusFontsMatchPdffonts(t *testing.T) {
	t.Parallel()
	need.Tool(t, "pdffonts")
	e, p := setup(t)
	compared := 0
	for _, file := range allCorpus(t) {
		name := filepath.Base(file)
		if knownDifferences[name] != "" {
			continue
		}
		rep := checkFile(t, e, file, p, Expectations{})
		if rep.Unusable() {
			continue
		}
		out, ok := tool(t, "pdffonts", file)
		if !ok {
			continue
		}
		var want, got []string
		for _, f := range parsePdffonts(out) {
			want = append(want, fmt.Sprintf("%s emb=%v", f.name, f.emb))
		}
		for _, f := range rep.Inventory.Fonts {
			n := f.Name
			if n == "" {
				n = "[none]"
			}
			got = append(got, fmt.Sprintf("%s emb=%v", n, f.Embedded))
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: fonts\n  got  %v\n  want %v", name, got, want)
		}
		compared++
	}
	if compared < 100 {
		t.Errorf("only %d files compared", compared)
	}
}
