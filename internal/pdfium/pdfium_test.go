package pdfium

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// squarePDF is one 200 × 100 pt page with a black square on its left half.
func squarePDF() []byte {
	content := "0 0 0 rg 0 0 100 100 re f"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

func TestRender(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	p, err := New(Options{CacheDir: t.TempDir(), Workers: 1})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer p.Close()
	data := squarePDF()
	pages, err := p.Render(context.Background(), bytes.NewReader(data), int64(len(data)), []int{1, 7}, 100)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if len(pages) != 1 || pages[0].Number != 1 {
		t.Fatalf("pages = %+v, want page 1 only (page 7 does not exist)", pages)
	}
	img := pages[0].Image
	if b := img.Bounds(); b.Dx() != 100 || b.Dy() != 50 {
		t.Errorf("size %v, want 100×50 (fit in 100 px, aspect kept)", b)
	}
	dark, _, _, _ := img.At(25, 25).RGBA()
	light, _, _, _ := img.At(75, 25).RGBA()
	if dark > 0x1000 || light < 0xf000 {
		t.Errorf("left pixel %x, right pixel %x: want black square on white", dark, light)
	}
	if _, err := p.Render(context.Background(), bytes.NewReader([]byte("junk")), 4, []int{1}, 100); err == nil {
		t.Error("rendering junk succeeded")
	}
}
