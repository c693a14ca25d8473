package hostilepdf

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// The generators' small versions are read by pdfcpu's full reader, an
// independent one: the structure around each hostile part (offsets,
// object streams, cross-reference streams, the encryption of the files
// that open) is right, so what a reader meets is the hostile part alone.
func TestGeneratedFilesAreWellFormed(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{
		"content bomb":           ContentBomb(3 << 20),
		"form bomb":              FormBomb(3<<20, 2),
		"image bomb":             ImageBomb(10, 10, 3<<20),
		"object stream bomb":     ObjectStreamBomb(3 << 20),
		"cross-reference stream": XRefStreamBomb(7 * 1000),
		"nested forms":           NestedForms(3, 2),
		"recursive forms":        RecursiveForms(2),
		"operators":              MillionOperators(3000),
	}
	for _, c := range BrokenEncryption() {
		if strings.Contains(c.Name, "bomb") || strings.HasPrefix(c.Name, "AES stream with padding") {
			files[c.Name] = c.PDF
		}
	}
	model.ConfigPath = "disable"
	for name, pdf := range files {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			conf := model.NewDefaultConfiguration()
			conf.ValidationMode = model.ValidationRelaxed
			ctx, err := pdfcpu.ReadWithContext(context.Background(), bytes.NewReader(pdf), conf)
			if err != nil {
				t.Fatalf("pdfcpu cannot read it: %v", err)
			}
			if err := ctx.EnsurePageCount(); err != nil || ctx.PageCount != 1 {
				t.Fatalf("pdfcpu finds %d pages (%v), want 1", ctx.PageCount, err)
			}
		})
	}
}

// The bombs are as small as the issue's: 4 GiB of zeros in about 4 MB.
func TestBombsAreSmall(t *testing.T) {
	t.Parallel()
	if n := len(ContentBomb(4 * GiB)); n > 5<<20 {
		t.Errorf("a content bomb of 4 GiB is %d bytes, want under 5 MiB", n)
	}
}
