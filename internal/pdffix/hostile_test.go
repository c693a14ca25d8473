package pdffix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/preflight"
)

// everything is the options that try every fix on the first pages.
var everything = Options{Rules: allRules, EdgePages: []int{1, 2, 3, 4, 5}}

// TestChain: an A4 portrait file without bleed for an A5 landscape order
// with 3 mm bleed is turned, scaled and given bleed, in that order, and
// preflight of the result finds nothing of what was fixed. Fixed again,
// it needs nothing more.
func TestChain(t *testing.T) {
	t.Parallel()
	order := Order{TrimWidth: mm(210), TrimHeight: mm(148), Bleed: mm(3)}
	orig := designPDF(t, [4]float64{0, 0, mm(210), mm(297)}, 2)
	res, fixed := apply(t, orig, order, everything)
	wantFixes(t, res, "PAGES_ROTATED [1 2]", "PAGES_SCALED [1 2]", "BLEED_ADDED [1 2]")
	path := write(t, "fixed.pdf", fixed)
	qpdfCheck(t, path)
	// In the page's own space, before its /Rotate of 90, the order is
	// 148 × 210 mm.
	boxes := popplerBoxes(t, path, 2)
	if want := [4]float64{0, 0, mm(148), mm(210)}; !near4(boxes["TrimBox"], want) {
		t.Errorf("poppler reads TrimBox %v, want %v", boxes["TrimBox"], want)
	}
	if want := [4]float64{-mm(3), -mm(3), mm(151), mm(213)}; !near4(boxes["BleedBox"], want) {
		t.Errorf("poppler reads BleedBox %v, want %v", boxes["BleedBox"], want)
	}
	before, after := preflightCodes(t, orig, order), preflightCodes(t, fixed, order)
	for _, code := range []string{preflight.CodeOrientation, preflight.CodeTrimSize, preflight.CodeBleed, preflight.CodeTrimBoxMissing} {
		if after[code] {
			t.Errorf("preflight of the fixed file finds %s (before: %v)", code, before)
		}
	}
	if !before[preflight.CodeTrimSize] || !before[preflight.CodeBleed] {
		t.Errorf("preflight of the original finds %v: the test shows nothing", before)
	}
	if res, _ := apply(t, fixed, order, everything); res.Written {
		t.Errorf("a fixed file was fixed again: %+v", res.Fixes)
	}
}

// rawPDF writes a PDF whose objects 1, 2, … are objs (object 1 the
// catalog), for shapes pdfwrite does not make.
func rawPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// stream is the body of a stream object holding data.
func stream(data string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)
}

// TestOddInputs: shapes a careless or hostile producer makes. Each gives
// a fixed file qpdf finds sound, or skips with a note, or is not fixable;
// never a panic, another error or a file worse than the original.
func TestOddInputs(t *testing.T) {
	t.Parallel()
	catalog := "<< /Type /Catalog /Pages 2 0 R >>"
	pages := "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	page := func(extra string) string {
		return "<< /Type /Page /Parent 2 0 R " + extra + " >>"
	}
	tests := []struct {
		name    string
		file    []byte
		written bool // the file is fixed
		skipped bool // some fix is skipped with a note
		refused bool // ErrNotFixable
	}{
		{"no MediaBox", rawPDF(catalog, pages, page("/Contents 4 0 R"), stream("0 g 0 0 10 10 re f")), false, false, true},
		// Bleed is added whichever way round the page is; turning it is
		// skipped.
		{"Rotate 45", rawPDF(catalog, pages, page("/MediaBox [0 0 600 400] /Rotate 45")), true, true, false},
		{"Rotate a name", rawPDF(catalog, pages, page("/MediaBox [0 0 600 400] /Rotate /Ninety")), true, true, false},
		{"Rotate 45 on the ordered size", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Rotate 45")), true, false, false},
		{"huge boxes", rawPDF(catalog, pages, page("/MediaBox [0 0 400000000 600000000] /Contents 4 0 R"), stream("0 g 0 0 10 10 re f")), false, true, false},
		{"huge box values", rawPDF(catalog, pages, page("/MediaBox [0 0 4000000000000000000000000000000 6e30]")), false, false, false},
		{"inverted box", rawPDF(catalog, pages, page("/MediaBox [400 600 0 0] /Contents 4 0 R"), stream("0 g 0 0 10 10 re f")), true, false, false},
		{"contents split in an array", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents [4 0 R 5 0 R]"),
			stream("q 1 0 0 rg"), stream("0 0 400 600 re f Q")), true, false, false},
		{"contents an indirect array", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"),
			"[5 0 R]", stream("0 0 1 rg 0 0 400 600 re f")), true, false, false},
		{"no contents", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600]")), true, false, false},
		{"contents null", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"), "null"), true, false, false},
		{"contents a dictionary", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"), "<< /A 1 >>"), false, true, false},
		{"contents a number", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 7")), false, true, false},
		{"an open string", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"), stream("BT (abc Tj ET")), false, true, false},
		{"an open text object", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"), stream("BT /F1 9 Tf")), false, true, false},
		{"more Q than q", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"), stream("q Q Q 0 g 0 0 9 9 re f")), false, true, false},
		{"unclosed q", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"), stream("q q 0 0 1 rg 0 0 400 600 re f")), true, false, false},
		{"inline image", rawPDF(catalog, pages, page("/MediaBox [0 0 400 600] /Contents 4 0 R"),
			stream("q 400 0 0 600 0 0 cm BI /W 2 /H 1 /CS /G /BPC 8 ID \x00Q\nEI Q")), true, false, false},
		{"a page tree loop", rawPDF(catalog, "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"), false, false, true},
		{"a MediaBox by reference", rawPDF(catalog, pages, page("/MediaBox 4 0 R"), "[0 0 400 600]"), true, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			// Without the boxes rule, which would fix most of these pages,
			// a skipped fix shows as nothing written.
			opts := Options{Rules: []string{RuleOrientation, RuleScale, RuleBleed}, EdgePages: []int{1}}
			res, err := Apply(context.Background(), bytes.NewReader(tt.file), int64(len(tt.file)), whole, opts, &out)
			if tt.refused {
				if !errors.Is(err, ErrNotFixable) || out.Len() != 0 {
					t.Fatalf("err %v, %d bytes written; want ErrNotFixable and nothing", err, out.Len())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != tt.written || (len(res.Skipped) > 0) != tt.skipped {
				t.Fatalf("written %v, fixes %+v, skipped %+v", res.Written, res.Fixes, res.Skipped)
			}
			for _, s := range res.Skipped {
				if s.Why == "" || s.Code == "" || s.Rule == "" {
					t.Errorf("a skip without its code, rule or why: %+v", s)
				}
			}
			if res.Written {
				if !bytes.HasPrefix(out.Bytes(), tt.file) {
					t.Fatal("the fixed file does not begin with the original")
				}
				qpdfCheck(t, write(t, "fixed.pdf", out.Bytes()))
			}
		})
	}
}

// TestCorpus fixes every file of the shared corpus (real files, damaged
// and encrypted ones among them) for two orders with every rule: each is
// fixed, refused as not fixable, or left alone, and a fixed file that
// qpdf found sound before is sound after.
func TestCorpus(t *testing.T) {
	t.Parallel()
	dir := need.Corpus(t)
	qpdf := need.Tool(t, "qpdf")
	var files []string
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".pdf") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("list the corpus at %s: %v (%d files)", dir, err, len(files))
	}
	sound := func(path string) bool {
		out, err := exec.Command(qpdf, "--check", path).CombinedOutput()
		return err == nil && !strings.Contains(string(out), "WARNING")
	}
	orders := []Order{
		{TrimWidth: mm(210), TrimHeight: mm(297), Bleed: mm(3)},
		{TrimWidth: mm(148), TrimHeight: mm(210), Bleed: mm(3)},
	}
	written, refused := 0, 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orders {
			var out bytes.Buffer
			res, err := Apply(context.Background(), bytes.NewReader(data), int64(len(data)), o, everything, &out)
			switch {
			case errors.Is(err, ErrNotFixable):
				refused++
				continue
			case err != nil:
				t.Errorf("%s: %v", path, err)
				continue
			case !res.Written:
				continue
			}
			written++
			if !bytes.HasPrefix(out.Bytes(), data) {
				t.Errorf("%s: the fixed file does not begin with the original", path)
			}
			fixedPath := write(t, "fixed.pdf", out.Bytes())
			if sound(path) && !sound(fixedPath) {
				out, _ := exec.Command(qpdf, "--check", fixedPath).CombinedOutput()
				t.Errorf("%s: qpdf finds the fixed file unsound (fixes %+v):\n%s", path, res.Fixes, out)
			}
		}
	}
	t.Logf("%d files, %d orders: %d fixed, %d not fixable", len(files), len(orders), written, refused)
	if written == 0 || refused == 0 {
		t.Errorf("%d fixed and %d refused: the corpus no longer exercises both", written, refused)
	}
}

// FuzzApply: whatever the bytes, Apply neither panics nor writes a file
// that does not begin with them.
func FuzzApply(f *testing.F) {
	f.Add(designPDF(&testing.T{}, [4]float64{0, 0, 600, 400}, 1))
	f.Add(rawPDF("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 800 1200] /Contents 4 0 R >>", stream("q 0 g 0 0 9 9 re f Q")))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		res, err := Apply(context.Background(), bytes.NewReader(data), int64(len(data)), whole, Options{Rules: allRules, EdgePages: []int{1}}, &out)
		if err != nil && out.Len() != 0 {
			t.Fatalf("an error (%v), yet %d bytes written", err, out.Len())
		}
		if res.Written && !bytes.HasPrefix(out.Bytes(), data) {
			t.Fatal("the fixed file does not begin with the original")
		}
	})
}

// TestDocsListEveryFix: docs/fixes.md names every rule and fix code, since
// codes reach the customer's page and the API.
func TestDocsListEveryFix(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/fixes.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(slices.Clone(allRules), CodeBoxesSet, CodeBoxesClipped, CodePagesRotated, CodePagesScaled, CodeBleedAdded) {
		if !bytes.Contains(data, []byte("`"+name+"`")) {
			t.Errorf("docs/fixes.md does not name `%s`", name)
		}
	}
}

// TestContentCap: content past the limit is an error, not content cut
// short, which could read as balanced when it is not.
func TestContentCap(t *testing.T) {
	t.Parallel()
	c := &capped{r: strings.NewReader("q q q Q Q Q Q"), left: 5}
	_, err := io.ReadAll(c)
	if err == nil {
		t.Error("reading past the cap gave no error")
	}
}
