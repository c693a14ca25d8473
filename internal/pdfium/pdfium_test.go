package pdfium

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// squarePDF is one 200 × 100 pt page with a black square on its left half.
func squarePDF() []byte {
	content := "0 0 0 rg 0 0 100 100 re f"
	return pdfFile(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
	)
}

// pdfFile writes objects 1, 2, … and their cross-reference table; object
// 1 is the catalog.
func pdfFile(objs ...string) []byte {
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

// sharedCache is the compilation cache the packages' tests share, so that
// only the first test run compiles.
var sharedCache = filepath.Join(os.TempDir(), "submit-test-wazero-cache")

// pool is a pool with the options o, on the shared cache unless o names
// another, closed when the test ends. A test that may stop with a
// document open closes it in a cleanup registered after the pool's, so
// that it runs first: Close waits for every open document.
func pool(t *testing.T, o Options) *Pool {
	t.Helper()
	if o.CacheDir == "" {
		o.CacheDir = sharedCache
	}
	p, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// onePool is a pool of one worker.
func onePool(t *testing.T) *Pool {
	t.Helper()
	return pool(t, Options{Workers: 1})
}

func TestDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	// One worker: a document that did not give its instance back would
	// make the second Open wait until the deadline.
	p := onePool(t)
	data := squarePDF()
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		doc, err := p.Open(ctx, bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if doc.Pages() != 1 {
			t.Errorf("Pages = %d, want 1", doc.Pages())
		}
		if w, h, err := doc.PageSize(ctx, 1); err != nil || w != 200 || h != 100 {
			t.Errorf("PageSize = %v × %v, %v; want 200 × 100", w, h, err)
		}
		img, err := doc.RenderJPEG(ctx, 1, 144, 85)
		if err != nil || img.Width != 400 || img.Height != 200 {
			t.Errorf("RenderJPEG at 144 dpi = %d × %d, %v; want 400 × 200", img.Width, img.Height, err)
		}
		if _, err := doc.RenderJPEG(ctx, 2, 72, 85); err == nil {
			t.Error("rendering page 2 of 1 succeeded")
		}
		doc.Close()
		cancel()
	}
	if _, err := p.Open(context.Background(), bytes.NewReader([]byte("junk")), 4); !errors.Is(err, ErrUnreadable) {
		t.Errorf("Open(junk) = %v, want ErrUnreadable", err)
	}
}

// TestDocumentReopens: with one page per opening, every page is rendered
// from a fresh opening, and its size still comes from the same opening.
func TestDocumentReopens(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	p := onePool(t)
	data := squarePDF()
	doc, err := p.Open(context.Background(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	doc.per = 1
	first := doc.doc
	ctx := t.Context()
	if _, err := doc.RenderJPEG(ctx, 1, 72, 85); err != nil {
		t.Fatal(err)
	}
	if _, _, err := doc.PageSize(ctx, 1); err != nil || doc.doc != first {
		t.Fatalf("the size of the page just rendered reopened the document (err %v)", err)
	}
	// The same page again counts as another page: it is the share that
	// is used up, not the page.
	doc.last = 0
	if _, err := doc.RenderJPEG(ctx, 1, 72, 85); err != nil {
		t.Fatal(err)
	}
	if doc.doc == first {
		t.Error("the document was not reopened after its share of pages")
	}
}

func TestPagesPerOpen(t *testing.T) {
	for _, c := range []struct {
		size  int64
		pages int
		want  int
	}{
		{0, 0, 1},              // unknown: one at a time
		{500 << 20, 73, 1},     // photos: 7 MB a page
		{3 << 20, 250, 16},     // a book: 12 KB a page
		{512 << 10 * 4, 4, 16}, // exactly at the limit
	} {
		if got := pagesPerOpen(c.size, c.pages); got != c.want {
			t.Errorf("pagesPerOpen(%d, %d) = %d, want %d", c.size, c.pages, got, c.want)
		}
	}
}

// TuneGC raises the collector's target and sets a soft memory limit,
// unless the operator chose them.
func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(prevLimit)
	TuneGC(func(k string) string {
		// The runtime read them at start; TuneGC must leave them.
		return map[string]string{"GOGC": "50", "GOMEMLIMIT": "3GiB"}[k]
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set, TuneGC changed the target to %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set, TuneGC changed the limit to %d", got)
	}
	TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Fatalf("without GOGC, the target is %d, want %d", got, GCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != memoryLimit(containerMemory()) || got > MemoryLimit {
		t.Fatalf("without GOMEMLIMIT, the limit is %d, want %d", got, memoryLimit(containerMemory()))
	}
	if got := memoryLimit(512 << 20); got != 256<<20 {
		t.Errorf("in a container of 512 MiB the limit is %d, want half", got)
	}
}

// failingReader fails every read, as a disk or a network can.
type failingReader struct{ io.Seeker }

var errDisk = errors.New("disk read error")

func (failingReader) Read([]byte) (int, error) { return 0, errDisk }

// TestReadErrorIsNotTheDocuments: a file that cannot be read is not taken
// for one PDFium cannot open, which would not be worth trying again.
func TestReadErrorIsNotTheDocuments(t *testing.T) {
	if testing.Short() {
		t.Skip("starting PDFium takes seconds")
	}
	p := onePool(t)
	data := squarePDF()
	_, err := p.Open(t.Context(), failingReader{bytes.NewReader(data)}, int64(len(data)))
	if !errors.Is(err, errDisk) || errors.Is(err, ErrUnreadable) {
		t.Errorf("Open of an unreadable file = %v, want the read error, not ErrUnreadable", err)
	}
}

// TestTuneProcs: a processor more per instance, unless the operator set
// GOMAXPROCS.
func TestTuneProcs(t *testing.T) {
	prev := runtime.GOMAXPROCS(3)
	defer runtime.GOMAXPROCS(prev)
	TuneProcs(func(string) string { return "" }, 2)
	if got := runtime.GOMAXPROCS(0); got != 5 {
		t.Errorf("GOMAXPROCS = %d, want 3 + 2", got)
	}
	TuneProcs(func(k string) string { return map[string]string{"GOMAXPROCS": "5"}[k] }, 2)
	if got := runtime.GOMAXPROCS(0); got != 5 {
		t.Errorf("with GOMAXPROCS set, GOMAXPROCS = %d, want it left at 5", got)
	}
}
