package pdffix

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/pdfwrite"
	"github.com/atomyx/submit/internal/preflight"
)

// allRules is every fix, as a profile that offers them all names them.
var allRules = []string{RuleBoxes, RuleOrientation, RuleScale, RuleBleed}

// whole is an order in whole points, so that renders at 36 and 72 dpi
// fall on whole pixels: 400 × 600 pt with 10 pt of bleed.
var whole = Order{TrimWidth: 400, TrimHeight: 600, Bleed: 10}

// design draws a w × h page whose every edge differs from the others and
// changes within a few points of it, so that a render shows a turn, a
// scale or a mirror: bands of grey across the left 40 pt, coloured bars on
// the other edges, a frame and a diagonal.
func design(w, h float64) []byte {
	var b strings.Builder
	for i := range 10 {
		fmt.Fprintf(&b, "%.1f g %d 0 4 %g re f\n", float64(i)/10, i*4, h)
	}
	fmt.Fprintf(&b, "0 0 1 rg %g 0 20 %g re f 1 0 0 rg %g 0 10 %g re f\n", w-20, h, w-30, h)
	fmt.Fprintf(&b, "0 1 0 rg 40 0 %g 16 re f 1 1 0 rg 40 %g %g 30 re f 1 0 1 rg 40 %g %g 8 re f\n", w-70, h-30, w-70, h-38, w-70)
	fmt.Fprintf(&b, "0 0 0 RG 2 w 60 60 %g %g re S 4 w 40 0 m %g %g l S\n", w-120, h-120, w-30, h)
	return []byte(b.String())
}

// designPDF writes a PDF of n pages of the design on the given MediaBox.
func designPDF(t *testing.T, media [4]float64, n int) []byte {
	t.Helper()
	pages := make([]pdfwrite.Page, n)
	for i := range pages {
		pages[i] = pdfwrite.Page{MediaBox: media, Content: design(media[2]-media[0], media[3]-media[1])}
	}
	return pdf(t, pages...)
}

// renderDPI renders page 1 of path at dpi with pdftoppm.
func renderDPI(t *testing.T, path string, dpi int) image.Image {
	t.Helper()
	pdftoppm := need.Tool(t, "pdftoppm")
	root := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(pdftoppm, "-png", "-r", strconv.Itoa(dpi), "-f", "1", "-l", "1", "-singlefile", path, root).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	data, err := os.ReadFile(root + ".png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// The tolerance of the render comparisons: a pixel differs when no pixel
// of the other image within one pixel of the same place (its 3 × 3
// neighbourhood) has every channel within pixelSlack of 255, and at most
// maxDiffering of the pixels compared may differ. Anti-aliasing of thin
// lines drawn turned or at another scale is what the slack is for; a
// mirror or a turn the wrong way, a shift of two pixels or a lost bar
// differs on far more.
const (
	pixelSlack   = 40
	maxDiffering = 0.005
)

// differing compares want with got from its point at (dx, dy) on, over
// want's bounds, and returns the fraction of pixels that differ.
func differing(want, got image.Image, dx, dy int) float64 {
	wb := want.Bounds()
	n, bad := 0, 0
	for y := wb.Min.Y; y < wb.Max.Y; y++ {
		for x := wb.Min.X; x < wb.Max.X; x++ {
			n++
			if !nearPixel(want, x, y, got, x+dx, y+dy) {
				bad++
			}
		}
	}
	return float64(bad) / float64(max(n, 1))
}

// nearPixel reports whether a's pixel (ax, ay) is one of b's within one
// pixel of (bx, by).
func nearPixel(a image.Image, ax, ay int, b image.Image, bx, by int) bool {
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			if (image.Point{bx + dx, by + dy}).In(b.Bounds()) && samePixel(a, ax, ay, b, bx+dx, by+dy) {
				return true
			}
		}
	}
	return false
}

// samePixel reports whether a's pixel (ax, ay) is b's (bx, by) within
// pixelSlack.
func samePixel(a image.Image, ax, ay int, b image.Image, bx, by int) bool {
	r1, g1, b1, _ := a.At(ax, ay).RGBA()
	r2, g2, b2, _ := b.At(bx, by).RGBA()
	d := func(u, v uint32) bool { return max(u, v)-min(u, v) > pixelSlack*257 }
	return !d(r1, r2) && !d(g1, g2) && !d(b1, b2)
}

// rotateCW turns img a quarter turn clockwise, as a viewer shows a page
// whose /Rotate is 90.
func rotateCW(img image.Image) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.Set(b.Max.Y-1-y, x-b.Min.X, img.At(x, y))
		}
	}
	return out
}

// popplerRotate reads a page's rotation with pdfinfo.
func popplerRotate(t *testing.T, path string, page int) int {
	t.Helper()
	pdfinfo := need.Tool(t, "pdfinfo")
	out, err := exec.Command(pdfinfo, "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Page\s+\d+\s+rot:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo gives no rotation:\n%s", out)
	}
	r, _ := strconv.Atoi(string(m[1]))
	return r
}

// preflightCodes preflights file with the default profile against the
// order and returns the codes of its findings.
func preflightCodes(t *testing.T, file []byte, o Order) map[string]bool {
	t.Helper()
	e, err := preflight.New(preflight.Options{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	p, err := preflight.LoadProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	exp := preflight.Expectations{TrimWidthPt: o.TrimWidth, TrimHeightPt: o.TrimHeight, BleedPt: o.Bleed}
	if o.Bleed == 0 {
		exp.BleedPt = -1
	}
	rep, err := e.Check(context.Background(), bytes.NewReader(file), int64(len(file)), p, exp)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, f := range rep.Errors {
		codes[f.Code] = true
	}
	return codes
}

// wantFixes fails the test unless res made exactly the fixes given, as
// "CODE pages", e.g. "PAGES_ROTATED [1 2]", in order.
func wantFixes(t *testing.T, res Result, want ...string) {
	t.Helper()
	var got []string
	for _, f := range res.Fixes {
		got = append(got, fmt.Sprintf("%s %v", f.Code, f.Pages))
		if f.Message == "" || f.Rule == "" {
			t.Errorf("fix %s has no message or rule: %+v", f.Code, f)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("fixes %q (skipped %+v), want %q", got, res.Skipped, want)
	}
}

// TestOrientation turns landscape pages for a portrait order: poppler
// reads the new rotation and the same boxes, the page renders as the
// original turned clockwise, and preflight no longer finds the page the
// wrong way round.
func TestOrientation(t *testing.T) {
	t.Parallel()
	orig := designPDF(t, [4]float64{0, 0, 600, 400}, 2)
	res, fixed := apply(t, orig, whole, Options{Rules: []string{RuleOrientation}})
	wantFixes(t, res, "PAGES_ROTATED [1 2]")
	if msg := res.Fixes[0].Message; msg != "We turned 2 pages a quarter turn to match your order." {
		t.Errorf("message %q", msg)
	}
	origPath, fixedPath := write(t, "orig.pdf", orig), write(t, "fixed.pdf", fixed)
	qpdfCheck(t, fixedPath)
	if r := popplerRotate(t, fixedPath, 2); r != 90 {
		t.Errorf("poppler reads rotation %d, want 90", r)
	}
	if got := popplerBoxes(t, fixedPath, 1)["MediaBox"]; !near4(got, [4]float64{0, 0, 600, 400}) {
		t.Errorf("poppler reads MediaBox %v, want it unchanged", got)
	}
	want, got := rotateCW(renderDPI(t, origPath, 36)), renderDPI(t, fixedPath, 36)
	if want.Bounds() != got.Bounds() {
		t.Fatalf("fixed page renders %v, want %v", got.Bounds(), want.Bounds())
	}
	if d := differing(want, got, 0, 0); d > maxDiffering {
		t.Errorf("%.2f %% of the turned page differs from the original turned", d*100)
	}
	before, after := preflightCodes(t, orig, whole), preflightCodes(t, fixed, whole)
	if !before[preflight.CodeOrientation] {
		t.Fatal("preflight finds nothing wrong with the original's orientation: the test shows nothing")
	}
	if after[preflight.CodeOrientation] || after[preflight.CodeTrimSize] {
		t.Errorf("preflight of the fixed file still finds %v", after)
	}
}

// TestOrientationRotateValues: a /Rotate already there is turned a
// quarter further and written between 0 and 360; one that is not a whole
// quarter turn is skipped with a note, and the file is not written.
func TestOrientationRotateValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rotate, want int // want -1: skipped
	}{
		{270, 0},
		{-90, 0},
		{180, 270},
		{45, -1},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.rotate), func(t *testing.T) {
			t.Parallel()
			// Landscape as shown: portrait pages turned by odd quarters.
			media := [4]float64{0, 0, 600, 400}
			if tt.rotate%180 != 0 && tt.rotate != 45 {
				media = [4]float64{0, 0, 400, 600}
			}
			orig := pdf(t, pdfwrite.Page{MediaBox: media, Rotate: tt.rotate})
			res, fixed := apply(t, orig, whole, Options{Rules: []string{RuleOrientation}})
			if tt.want < 0 {
				if res.Written || len(res.Skipped) != 1 || res.Skipped[0].Code != CodePagesRotated || res.Skipped[0].Rule != RuleOrientation {
					t.Fatalf("result %+v, want one skip and nothing written", res)
				}
				return
			}
			wantFixes(t, res, "PAGES_ROTATED [1]")
			path := write(t, "fixed.pdf", fixed)
			qpdfCheck(t, path)
			if r := popplerRotate(t, path, 1); r != tt.want {
				t.Errorf("poppler reads rotation %d, want %d", r, tt.want)
			}
			if codes := preflightCodes(t, fixed, whole); codes[preflight.CodeOrientation] {
				t.Errorf("preflight still finds %v", codes)
			}
		})
	}
}

// TestScale scales a page of twice the ordered size down: the boxes are
// the order's, and the page rendered at 72 dpi matches the original at 36
// dpi pixel for pixel, within the stated tolerance. Preflight finds the
// size right.
func TestScale(t *testing.T) {
	t.Parallel()
	orig := designPDF(t, [4]float64{0, 0, 800, 1200}, 1)
	res, fixed := apply(t, orig, whole, Options{Rules: []string{RuleScale}})
	wantFixes(t, res, "PAGES_SCALED [1]")
	if !strings.Contains(res.Fixes[0].Message, "(to 50 %)") {
		t.Errorf("message %q does not say by how much", res.Fixes[0].Message)
	}
	origPath, fixedPath := write(t, "orig.pdf", orig), write(t, "fixed.pdf", fixed)
	qpdfCheck(t, fixedPath)
	boxes := popplerBoxes(t, fixedPath, 1)
	for _, key := range []string{"MediaBox", "TrimBox"} {
		if !near4(boxes[key], [4]float64{0, 0, 400, 600}) {
			t.Errorf("poppler reads %s %v, want the order's", key, boxes[key])
		}
	}
	want, got := renderDPI(t, origPath, 36), renderDPI(t, fixedPath, 72)
	if want.Bounds() != got.Bounds() {
		t.Fatalf("fixed page renders %v, want %v", got.Bounds(), want.Bounds())
	}
	if d := differing(want, got, 0, 0); d > maxDiffering {
		t.Errorf("%.2f %% of the scaled page differs from the original", d*100)
	}
	if codes := preflightCodes(t, fixed, whole); codes[preflight.CodeTrimSize] {
		t.Errorf("preflight of the fixed file still finds %v", codes)
	}
}

// TestScaleSkips: a page with annotations and a page whose content
// restores more than it saves are not scaled, each with a note; a page of
// other proportions is left alone without one.
func TestScaleSkips(t *testing.T) {
	t.Parallel()
	media := [4]float64{0, 0, 800, 1200}
	orig := pdf(t,
		pdfwrite.Page{MediaBox: media, Content: design(800, 1200),
			// pdfwrite writes Resources as given: the annotation rides on it.
			Resources: "<< >> /Annots [<< /Type /Annot /Subtype /Square /Rect [10 10 90 90] >>]"},
		pdfwrite.Page{MediaBox: media, Content: []byte("Q 0 g 0 0 100 100 re f")},
		pdfwrite.Page{MediaBox: [4]float64{0, 0, 800, 1000}},
		pdfwrite.Page{MediaBox: media, Content: []byte("q 0 g 0 0 100 100 re f")},
	)
	res, fixed := apply(t, orig, whole, Options{Rules: []string{RuleScale}})
	wantFixes(t, res, "PAGES_SCALED [4]")
	if len(res.Skipped) != 2 || !strings.HasPrefix(res.Skipped[0].Why, "Page 1:") || !strings.HasPrefix(res.Skipped[1].Why, "Page 2:") {
		t.Errorf("skipped %+v, want page 1 (annotations) and page 2 (content)", res.Skipped)
	}
	qpdfCheck(t, write(t, "fixed.pdf", fixed))
}

// TestBleed adds bleed to the page named as running to the edge: poppler
// reads the grown boxes, the page inside the trim renders as before, and
// every strip and corner of the bleed mirrors the page across the trim.
// Preflight finds the bleed enough; the page not named is left alone.
func TestBleed(t *testing.T) {
	t.Parallel()
	orig := designPDF(t, [4]float64{0, 0, 400, 600}, 2)
	res, fixed := apply(t, orig, whole, Options{Rules: []string{RuleBleed}, EdgePages: []int{1}})
	wantFixes(t, res, "BLEED_ADDED [1]")
	origPath, fixedPath := write(t, "orig.pdf", orig), write(t, "fixed.pdf", fixed)
	qpdfCheck(t, fixedPath)
	boxes := popplerBoxes(t, fixedPath, 1)
	for key, want := range map[string][4]float64{"MediaBox": {-10, -10, 410, 610}, "BleedBox": {-10, -10, 410, 610}, "TrimBox": {0, 0, 400, 600}} {
		if !near4(boxes[key], want) {
			t.Errorf("poppler reads %s %v, want %v", key, boxes[key], want)
		}
	}
	if got := popplerBoxes(t, fixedPath, 2)["MediaBox"]; !near4(got, [4]float64{0, 0, 400, 600}) {
		t.Errorf("page 2, not named, has MediaBox %v", got)
	}
	want, got := renderDPI(t, origPath, 72), renderDPI(t, fixedPath, 72)
	if got.Bounds().Dx() != 420 || got.Bounds().Dy() != 620 {
		t.Fatalf("fixed page renders %v, want 420 × 620", got.Bounds())
	}
	if d := differing(want, got, 10, 10); d > maxDiffering {
		t.Errorf("%.2f %% of the page inside the trim differs from the original", d*100)
	}
	// The trim is pixels [10, 410) × [10, 610); pixel 9-i mirrors 10+i.
	bad, n := 0, 0
	mirror := func(ax, ay, bx, by int) {
		n++
		if !samePixel(got, ax, ay, got, bx, by) {
			bad++
		}
	}
	for i := range 10 {
		for y := 10; y < 610; y += 7 {
			mirror(9-i, y, 10+i, y)
			mirror(410+i, y, 409-i, y)
		}
		for x := 10; x < 410; x += 7 {
			mirror(x, 9-i, x, 10+i)
			mirror(x, 610+i, x, 609-i)
		}
		for j := range 10 {
			mirror(9-i, 9-j, 10+i, 10+j)
			mirror(410+i, 610+j, 409-i, 609-j)
		}
	}
	if float64(bad)/float64(n) > maxDiffering {
		t.Errorf("%d of %d sampled bleed pixels do not mirror the page", bad, n)
	}
	// And the mirror is not a plain colour: the grey bands of the left
	// edge reach the left strip.
	if samePixel(got, 1, 300, got, 8, 300) {
		t.Error("the left strip is one colour; the bands were not mirrored")
	}
	before, after := preflightCodes(t, orig, whole), preflightCodes(t, fixed, whole)
	if !before[preflight.CodeBleed] {
		t.Fatal("preflight finds the original's bleed enough: the test shows nothing")
	}
	page1 := preflightBleedPages(t, fixed, whole)
	if slices.Contains(page1, 1) {
		t.Errorf("preflight of the fixed file still finds page 1 short of bleed: %v %v", after, page1)
	}
}

// preflightBleedPages returns the pages preflight finds short of bleed.
func preflightBleedPages(t *testing.T, file []byte, o Order) []int {
	t.Helper()
	e, err := preflight.New(preflight.Options{Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p, err := preflight.LoadProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.Check(context.Background(), bytes.NewReader(file), int64(len(file)), p,
		preflight.Expectations{TrimWidthPt: o.TrimWidth, TrimHeightPt: o.TrimHeight, BleedPt: o.Bleed})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Errors {
		if f.Code != preflight.CodeBleed {
			continue
		}
		if pages, ok := f.Details["pages"].([]int); ok {
			return pages
		}
		return []int{f.Page}
	}
	return nil
}
