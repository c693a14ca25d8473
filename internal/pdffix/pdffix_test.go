package pdffix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/pdfwrite"
	"github.com/atomyx/submit/internal/preflight"
)

// mm is millimetres in points.
func mm(v float64) float64 { return v * 72 / 25.4 }

// a5 is the order of these tests: A5 with 3 mm bleed.
var a5 = Order{TrimWidth: mm(148), TrimHeight: mm(210), Bleed: mm(3)}

// pdf writes a PDF of the given pages, each drawing a frame and a
// diagonal so that a render shows whether content moved.
func pdf(t *testing.T, pages ...pdfwrite.Page) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pdfwrite.New(&b)
	for _, p := range pages {
		if p.Content == nil {
			m := p.MediaBox
			p.Content = fmt.Appendf(nil, "0 0 1 rg %g %g %g %g re f 1 0 0 RG 4 w %g %g m %g %g l S",
				m[0]+20, m[1]+20, (m[2]-m[0])/3, (m[3]-m[1])/4, m[0], m[1], m[2], m[3])
		}
		w.Page(p)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// boxesOnly is the options of the tests of the page boxes fix.
var boxesOnly = Options{Rules: []string{RuleBoxes}}

// apply runs Apply on file and returns the result and the fixed file,
// which must begin with the original bytes.
func apply(t *testing.T, file []byte, o Order, opts Options) (Result, []byte) {
	t.Helper()
	var out bytes.Buffer
	res, err := Apply(context.Background(), bytes.NewReader(file), int64(len(file)), o, opts, &out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written && !bytes.HasPrefix(out.Bytes(), file) {
		t.Fatal("the fixed file does not begin with the original bytes")
	}
	if !res.Written && out.Len() != 0 {
		t.Fatal("nothing was fixed, yet something was written")
	}
	return res, out.Bytes()
}

// write puts b in a file of the test's temporary directory.
func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// popplerBoxes reads a page's boxes with pdfinfo -box: key → [4]float.
func popplerBoxes(t *testing.T, path string, page int) map[string][4]float64 {
	t.Helper()
	pdfinfo := need.Tool(t, "pdfinfo")
	out, err := exec.Command(pdfinfo, "-box", "-f", strconv.Itoa(page), "-l", strconv.Itoa(page), path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`Page\s+\d+\s+(MediaBox|CropBox|BleedBox|TrimBox|ArtBox):\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)`)
	boxes := map[string][4]float64{}
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		var b [4]float64
		for i := range b {
			b[i], _ = strconv.ParseFloat(m[i+2], 64)
		}
		boxes[m[1]] = b
	}
	return boxes
}

// qpdfCheck fails the test unless qpdf --check finds the file sound.
func qpdfCheck(t *testing.T, path string) {
	t.Helper()
	qpdf := need.Tool(t, "qpdf")
	out, err := exec.Command(qpdf, "--check", path).CombinedOutput()
	if err != nil || strings.Contains(string(out), "WARNING") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// render renders page 1 at 36 dpi with pdftoppm.
func render(t *testing.T, path string) image.Image {
	t.Helper()
	return renderDPI(t, path, 36)
}

// sameImage reports whether a and b are the same size and pixel for pixel
// equal: the boxes fix never changes what a page draws.
func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				return false
			}
		}
	}
	return true
}

func near4(a, b [4]float64) bool {
	for i := range a {
		if d := a[i] - b[i]; d > 0.01 || d < -0.01 {
			return false
		}
	}
	return true
}

// TestBoxesSet covers the page boxes fix on the shapes it applies to and
// those it leaves alone, each checked by poppler and qpdf on the written
// file, whose page renders as the original's did.
func TestBoxesSet(t *testing.T) {
	t.Parallel()
	w, h, b := a5.TrimWidth, a5.TrimHeight, a5.Bleed
	tests := []struct {
		name       string
		page       pdfwrite.Page
		code       string // "" when nothing is fixed
		trim, blee [4]float64
	}{
		{"exactly the trim size", pdfwrite.Page{MediaBox: [4]float64{0, 0, w, h}}, CodeBoxesSet,
			[4]float64{0, 0, w, h}, [4]float64{0, 0, w, h}},
		{"trim plus bleed", pdfwrite.Page{MediaBox: [4]float64{0, 0, w + 2*b, h + 2*b}}, CodeBoxesSet,
			[4]float64{b, b, w + b, h + b}, [4]float64{0, 0, w + 2*b, h + 2*b}},
		{"landscape trim size", pdfwrite.Page{MediaBox: [4]float64{0, 0, h, w}}, CodeBoxesSet,
			[4]float64{0, 0, h, w}, [4]float64{0, 0, h, w}},
		{"another size", pdfwrite.Page{MediaBox: [4]float64{0, 0, mm(210), mm(297)}}, "",
			[4]float64{}, [4]float64{}},
		{"trim box already there", pdfwrite.Page{MediaBox: [4]float64{0, 0, w, h},
			TrimBox: &[4]float64{10, 10, w - 10, h - 10}}, "", [4]float64{}, [4]float64{}},
		{"bleed box past the page", pdfwrite.Page{MediaBox: [4]float64{0, 0, mm(210), mm(297)},
			BleedBox: &[4]float64{-9, -9, mm(210) + 9, mm(297) + 9}}, CodeBoxesClipped,
			[4]float64{}, [4]float64{0, 0, mm(210), mm(297)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := pdf(t, tt.page, tt.page)
			res, fixed := apply(t, orig, a5, boxesOnly)
			if tt.code == "" {
				if res.Written || len(res.Fixes) != 0 {
					t.Fatalf("fixed %+v, want nothing", res.Fixes)
				}
				return
			}
			if !res.Written || len(res.Fixes) != 1 || res.Fixes[0].Code != tt.code ||
				fmt.Sprint(res.Fixes[0].Pages) != "[1 2]" || res.Fixes[0].Message == "" {
				t.Fatalf("fixes %+v, want %s on pages 1 and 2", res.Fixes, tt.code)
			}
			// pdfinfo reports a missing TrimBox as the CropBox, so the
			// update itself must carry the boxes.
			if tt.code == CodeBoxesSet && !bytes.Contains(fixed[len(orig):], []byte("/TrimBox")) {
				t.Error("the update sets no TrimBox")
			}
			origPath, fixedPath := write(t, "orig.pdf", orig), write(t, "fixed.pdf", fixed)
			qpdfCheck(t, fixedPath)
			for page := 1; page <= 2; page++ {
				got := popplerBoxes(t, fixedPath, page)
				if tt.code == CodeBoxesSet && (!near4(got["TrimBox"], tt.trim) || !near4(got["BleedBox"], tt.blee)) {
					t.Errorf("page %d: poppler reads TrimBox %v BleedBox %v, want %v and %v",
						page, got["TrimBox"], got["BleedBox"], tt.trim, tt.blee)
				}
				if tt.code == CodeBoxesClipped && !near4(got["BleedBox"], tt.blee) {
					t.Errorf("page %d: poppler reads BleedBox %v, want %v", page, got["BleedBox"], tt.blee)
				}
			}
			if !sameImage(render(t, origPath), render(t, fixedPath)) {
				t.Error("the fixed page renders otherwise than the original")
			}
			if tt.code == CodeBoxesSet {
				before, after := preflightCodes(t, orig, a5), preflightCodes(t, fixed, a5)
				if !before[preflight.CodeTrimBoxMissing] || after[preflight.CodeTrimBoxMissing] {
					t.Errorf("preflight finds %v before the fix and %v after; want TRIMBOX_MISSING before only", before, after)
				}
			}
			// Fixed again, the file needs nothing more.
			if res, _ := apply(t, fixed, a5, boxesOnly); res.Written {
				t.Errorf("a fixed file was fixed again: %+v", res.Fixes)
			}
		})
	}
}

// TestUpdateOfAnXRefStream fixes a file whose cross-references are a
// stream (made so by qpdf): the update is a stream too, and both poppler
// and qpdf read it.
func TestUpdateOfAnXRefStream(t *testing.T) {
	t.Parallel()
	qpdf := need.Tool(t, "qpdf")
	plain := write(t, "plain.pdf", pdf(t, pdfwrite.Page{MediaBox: [4]float64{0, 0, a5.TrimWidth, a5.TrimHeight}}))
	streamed := filepath.Join(t.TempDir(), "streamed.pdf")
	if out, err := exec.Command(qpdf, "--object-streams=generate", plain, streamed).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	orig, err := os.ReadFile(streamed)
	if err != nil {
		t.Fatal(err)
	}
	res, fixed := apply(t, orig, a5, boxesOnly)
	if !res.Written {
		t.Fatal("nothing fixed")
	}
	if !bytes.Contains(fixed[len(orig):], []byte("/XRef")) {
		t.Error("the update of a file with a cross-reference stream is not a stream")
	}
	path := write(t, "fixed.pdf", fixed)
	qpdfCheck(t, path)
	if got := popplerBoxes(t, path, 1)["TrimBox"]; !near4(got, [4]float64{0, 0, a5.TrimWidth, a5.TrimHeight}) {
		t.Errorf("poppler reads TrimBox %v", got)
	}
}

// TestNotFixable: a damaged file is refused, not half fixed.
func TestNotFixable(t *testing.T) {
	t.Parallel()
	orig := pdf(t, pdfwrite.Page{MediaBox: [4]float64{0, 0, a5.TrimWidth, a5.TrimHeight}})
	broken := bytes.Replace(orig, []byte("xref"), []byte("xxxx"), 1)
	var out bytes.Buffer
	_, err := Apply(context.Background(), bytes.NewReader(broken), int64(len(broken)), a5, boxesOnly, &out)
	if !errors.Is(err, ErrNotFixable) || out.Len() != 0 {
		t.Errorf("a file with a broken xref: %v, %d bytes written; want ErrNotFixable and nothing", err, out.Len())
	}
}
