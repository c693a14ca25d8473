package preflight

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/atomyx/submit/internal/need"
)

// Every damaged or encrypted file of the qpdf suite gets a report with a
// clear finding, never an error or a crash.
func TestCorpusDamagedFilesGetAReport(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	for _, file := range corpusFiles(t, "qpdf") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			rep := checkFile(t, e, file, p, Expectations{})
			if rep.Status != StatusPassed && rep.Status != StatusFailed {
				t.Fatalf("status = %q", rep.Status)
			}
			for _, f := range rep.Errors {
				if f.Code == "" || f.Check == "" || f.Message == "" || f.Details == nil {
					t.Errorf("incomplete finding %+v", f)
				}
			}
			if rep.Unusable() && rep.Status != StatusFailed {
				t.Errorf("unusable file passed: %v", findingCodes(rep))
			}
			if rep.Pages == 0 && !rep.Unusable() {
				t.Errorf("no pages and no finding saying why: %v", findingCodes(rep))
			}
		})
	}
}

// Encryption findings agree with what qpdf's test suite says of the files.
func TestCorpusEncryption(t *testing.T) {
	t.Parallel()
	e, p := setup(t)
	dir := need.Corpus(t, "qpdf")
	tests := []struct {
		file string
		code string // "" = readable without a finding about encryption
	}{
		{"encrypted-40-bit-R3.pdf", CodePasswordProtected},
		{"V4-aes.pdf", ""},
		{"encrypted-with-images.pdf", ""},
		{"encrypted-positive-P.pdf", ""},
	}
	for _, tt := range tests {
		rep := checkFile(t, e, filepath.Join(dir, tt.file), p, Expectations{})
		got := ""
		for _, f := range rep.Errors {
			if f.Check == chkEncryption {
				got = f.Code
			}
		}
		if got != tt.code {
			t.Errorf("%s: encryption finding %q, want %q (all: %v)", tt.file, got, tt.code, findingCodes(rep))
		}
	}
}

// knownDifferences are corpus files on which we knowingly disagree with
// poppler, and why.
var knownDifferences = map[string]string{
	// Two page trees; qpdf cannot read the file at all ("unable to find
	// trailer dictionary"), poppler's reconstruction finds 10 pages and
	// pdfcpu's reader the catalog with 1.
	"issue-202.pdf": "damaged trailer, readers disagree",
}

// Page counts and boxes agree with poppler's pdfinfo -box on every corpus
// file both can read.
func TestCorpusBoxesMatchPdfinfo(t *testing.T) {
	t.Parallel()
	need.Tool(t, "pdfinfo")
	e, p := setup(t)
	var files []string
	for _, sub := range []string{"qpdf", "verapdf/6.2.11", "verapdf/6.2.3", "verapdf/6.2.4.3", "verapdf/6.2.4.4", "verapdf/6.2.10"} {
		files = append(files, corpusFiles(t, sub)...)
	}
	compared := 0
	for _, file := range files {
		if knownDifferences[filepath.Base(file)] != "" {
			continue
		}
		rep := checkFile(t, e, file, p, Expectations{})
		if rep.Unusable() {
			continue
		}
		out, ok := tool(t, "pdfinfo", "-box", "-f", "1", "-l", fmt.Sprint(rep.Pages), file)
		if !ok {
			continue // poppler cannot read it either
		}
		pages, boxes := popplerBoxes(out)
		name := filepath.Base(file)
		if pages != rep.Pages {
			t.Errorf("%s: %d pages, pdfinfo says %d", name, rep.Pages, pages)
			continue
		}
		for _, pg := range rep.Inventory.Pages {
			compareBoxes(t, name, pg, boxes[pg.Number])
		}
		compared++
	}
	if compared < 100 {
		t.Errorf("only %d files compared; expected most of the corpus", compared)
	}
}

func compareBoxes(t *testing.T, name string, pg PageInfo, want map[string]Box) {
	t.Helper()
	crop := *pg.MediaBox
	if pg.CropBox != nil {
		crop = *pg.CropBox
	}
	check := func(what string, got *Box, def Box) {
		w, ok := want[what]
		if !ok {
			t.Errorf("%s p%d: pdfinfo has no %s", name, pg.Number, what)
			return
		}
		g := def // pdfinfo prints absent boxes as the CropBox
		if got != nil {
			g = *got
		}
		if !sameBox(g, w) {
			t.Errorf("%s p%d %s = %v, pdfinfo %v", name, pg.Number, what, g, w)
		}
	}
	check("MediaBox", pg.MediaBox, Box{})
	check("CropBox", pg.CropBox, *pg.MediaBox)
	check("TrimBox", pg.TrimBox, crop)
	check("BleedBox", pg.BleedBox, crop)
}
