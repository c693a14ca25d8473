package pdfium

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// nestedFormsPDF is a page that draws form 5 ten times, form 5 draws form
// 6 ten times, and so on, depth forms deep, the last drawing a line and a
// square: 10^depth drawings from a file of 2 KB. PDFium takes about 5 s
// and 500 MB for 6 deep; 7 deep is ten times that.
func nestedFormsPDF(depth int) []byte {
	var draws strings.Builder
	for i := range 10 {
		fmt.Fprintf(&draws, "q 0.9 0 0 0.9 %d %d cm /F Do Q\n", i, i)
	}
	form := func(content, res string) string {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write([]byte(content))
		zw.Close()
		return fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 100 100] /Filter /FlateDecode /Length %d %s >>\nstream\n%s\nendstream",
			z.Len(), res, z.Bytes())
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Resources << /XObject << /F 5 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", draws.Len(), draws.String()),
	}
	for i := range depth - 1 {
		objs = append(objs, form(draws.String(), fmt.Sprintf("/Resources << /XObject << /F %d 0 R >> >>", 6+i)))
	}
	objs = append(objs, form("0 0 m 10 10 l S 1 0 0 rg 0 0 5 5 re f", ""))
	return pdfFile(objs...)
}

// TestHostilePageIsStopped: a page that would keep PDFium busy for a
// minute and take its memory to 2 GiB is stopped when its context ends and
// when it outlasts PageTimeout; each time its instance is thrown away, and
// the pool still renders with all its instances.
func TestHostilePageIsStopped(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	p, err := New(Options{CacheDir: sharedCache, Workers: 2, PageTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	hostile := nestedFormsPDF(7)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = p.Render(ctx, bytes.NewReader(hostile), int64(len(hostile)), []int{1}, 500)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("render under a 200 ms deadline: err = %v, want the deadline", err)
	}
	_, err = p.Render(context.Background(), bytes.NewReader(hostile), int64(len(hostile)), []int{1}, 500)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("render under a 2 s PageTimeout: err = %v, want ErrTimeout", err)
	}

	// Both instances at once: the stopped ones were replaced.
	square := squarePDF()
	var docs []*Document
	for range 2 {
		d, ok, err := p.TryOpen(context.Background(), bytes.NewReader(square), int64(len(square)))
		if !ok || err != nil {
			t.Fatalf("TryOpen after the stops = %v, %v; want a free instance", ok, err)
		}
		docs = append(docs, d)
	}
	for _, d := range docs {
		if img, err := d.RenderJPEG(context.Background(), 1, 72, 85); err != nil || img.Width != 200 {
			t.Errorf("render after the stops = %d px wide, %v; want 200", img.Width, err)
		}
		d.Close()
	}
}
