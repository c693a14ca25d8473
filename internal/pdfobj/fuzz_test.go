package pdfobj

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// FuzzOpen opens arbitrary bytes, walks the page tree and decodes every
// page's content: no panic, no hang, whatever the input.
func FuzzOpen(f *testing.F) {
	f.Add(minimalPDF())
	f.Add(refLoopPDF())
	f.Add(deepPDF(200))
	for _, name := range []string{"qpdf/bad11.pdf", "qpdf/V4-aes.pdf", "qpdf/encrypted-positive-P.pdf", "qpdf/issue-117.pdf", "qpdf/append-xref-loop.pdf"} {
		if data, err := os.ReadFile(filepath.Join(corpusDir, name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d, err := Open(ctx, bytes.NewReader(data), int64(len(data)), Options{MaxStreamBytes: 1 << 20})
		if err != nil {
			return
		}
		root, err := d.Catalog()
		if err != nil {
			t.Fatalf("Open succeeded without a catalog: %v", err)
		}
		for _, p := range pageDicts(root, ours(d)) {
			contents, _ := d.Dereference(p["Contents"])
			parts, ok := contents.(types.Array)
			if !ok {
				parts = types.Array{p["Contents"]}
			}
			for _, c := range parts {
				if sd, err := d.DereferenceStreamDict(c); err == nil && sd != nil {
					d.Decode(sd, 1<<20)
				}
			}
		}
		if ctx.Err() != nil {
			t.Fatal("took more than 10 s")
		}
	})
}
