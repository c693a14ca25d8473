package preflight

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/need"
	"github.com/atomyx/submit/internal/pdfobj"
)

// FuzzCheck feeds arbitrary files to the whole engine: every input must
// end in a report (no error, no panic, no hang), and an unusable file must
// fail.
func FuzzCheck(f *testing.F) {
	for _, fx := range fixtures[:8] {
		f.Add(fx.pdf())
	}
	for _, fx := range inkFixtures { // image decoding for the ink check
		f.Add(fx.pdf())
	}
	for _, fx := range annotFixtures { // appearance streams, states, flags
		f.Add(fx.pdf())
	}
	f.Add(loopPDF())
	f.Add(deepPDF(50))
	f.Add(manyPagesPDF(3, 3))
	dir := need.Corpus(f, "qpdf") // damaged and encrypted seeds, as in pdfobj's FuzzOpen
	for _, name := range []string{"bad11.pdf", "bad2.pdf", "encrypted-with-images.pdf", "issue-117.pdf"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	e, err := New(Options{Timeout: 5 * time.Second, MaxStreamBytes: 16 << 20, MaxOperators: 1_000_000, MaxPages: 200})
	if err != nil {
		f.Fatal(err)
	}
	p, _ := LoadProfile("cmyk-strict")
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := e.Check(context.Background(), bytes.NewReader(data), int64(len(data)), p, Expectations{PageCount: 1})
		if err != nil {
			t.Fatalf("Check returned an error instead of a finding: %v", err)
		}
		if rep.Unusable() && rep.Status != StatusFailed {
			t.Fatalf("unusable file passed: %v", findingCodes(rep))
		}
	})
}

// FuzzRepair feeds arbitrary bytes to the xref rebuilder (pdfobj's scan
// for "N G obj") and walks the page tree it yields: no panic, no hang.
func FuzzRepair(f *testing.F) {
	f.Add([]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj"))
	f.Add([]byte("%PDF-1.4 1 0 obj 2 0 obj 99999999999 0 obj"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		doc, err := pdfobj.Open(ctx, bytes.NewReader(data), int64(len(data)), pdfobj.Options{Rebuild: true})
		if err != nil {
			return
		}
		if doc.Repaired() == nil {
			t.Fatal("a rebuilt document does not say it was repaired")
		}
		readPages(doc, 100)
	})
}

// FuzzParseProfile: profiles are data; bad data is an error, never a panic
// or a profile with an invalid severity.
func FuzzParseProfile(f *testing.F) {
	data, _ := profileFS.ReadFile("profiles/default.json")
	f.Add(data)
	f.Add([]byte(`{"name":"x","rgb":"loud"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProfile(data)
		if err == nil && p.validate() != nil {
			t.Fatal("ParseProfile accepted an invalid profile")
		}
	})
}
