package proof

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/pdfwrite"
)

var (
	shared     *Renderer
	sharedErr  error
	sharedOnce sync.Once
	cacheDir   = filepath.Join(os.TempDir(), "submit-test-wazero-cache")
)

// renderer is one Renderer for the package's tests: starting its pool is
// the slow part.
func renderer(t *testing.T) *Renderer {
	t.Helper()
	sharedOnce.Do(func() {
		var pool *pdfium.Pool
		if pool, sharedErr = pdfium.New(pdfium.Options{CacheDir: cacheDir}); sharedErr == nil {
			shared = New(pool, Options{})
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func TestRender(t *testing.T) {
	t.Parallel()
	var pdf bytes.Buffer
	if err := pdfwrite.WriteSample(&pdf, pdfwrite.SampleSpec{Pages: 3, ImageW: 600, ImageH: 800}); err != nil {
		t.Fatal(err)
	}
	var got []Page
	n, err := renderer(t).Render(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), func(p Page) error {
		img, err := jpeg.Decode(bytes.NewReader(p.JPEG))
		if err != nil {
			return err
		}
		if b := img.Bounds(); b.Dx() != p.Width || b.Dy() != p.Height {
			t.Errorf("page %d: JPEG is %v, Page says %dx%d", p.Number, b, p.Width, p.Height)
		}
		p.JPEG = nil
		got = append(got, p)
		return nil
	})
	if err != nil || n != 3 || len(got) != 3 {
		t.Fatalf("Render = %d, %v; %d pages emitted", n, err, len(got))
	}
	// A4 with 3 mm bleed is 216×303 mm: 1276×1789 pixels at 150 dpi.
	p := got[0]
	if p.Number != 1 || p.Width < 1274 || p.Width > 1277 || p.Height < 1787 || p.Height > 1790 {
		t.Errorf("page 1 = %+v, want about 1276×1789 px", p)
	}
	if p.WidthPt < 612 || p.WidthPt > 613 {
		t.Errorf("page 1 width = %v pt, want 612.28", p.WidthPt)
	}
}

func TestRenderCapsLargePages(t *testing.T) {
	t.Parallel()
	var pdf bytes.Buffer
	// A 1 m × 0.7 m poster: 5906 px wide at 150 dpi, capped to 2480.
	if err := pdfwrite.WriteSample(&pdf, pdfwrite.SampleSpec{Pages: 1, TrimW: 1000, TrimH: 700}); err != nil {
		t.Fatal(err)
	}
	_, err := renderer(t).Render(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), func(p Page) error {
		if max(p.Width, p.Height) > 2480 || max(p.Width, p.Height) < 2400 {
			t.Errorf("poster rendered at %dx%d, want the long side just under 2480", p.Width, p.Height)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRenderUnreadable(t *testing.T) {
	t.Parallel()
	junk := []byte("%PDF-1.7\nthis is not a PDF at all")
	_, err := renderer(t).Render(t.Context(), bytes.NewReader(junk), int64(len(junk)), func(Page) error { return nil })
	if !errors.Is(err, ErrUnreadable) {
		t.Errorf("Render(junk) = %v, want ErrUnreadable", err)
	}
	stop := errors.New("stop")
	var pdf bytes.Buffer
	_ = pdfwrite.WriteSample(&pdf, pdfwrite.SampleSpec{Pages: 2})
	n, err := renderer(t).Render(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), func(Page) error { return stop })
	if !errors.Is(err, stop) || n != 0 {
		t.Errorf("an emit error = %d, %v; want 0, stop", n, err)
	}
	if entries, _ := os.ReadDir(cacheDir); len(entries) == 0 {
		t.Error("the compilation cache is empty")
	}
}

// TestRenderReopens: a document rendered over several openings (one page,
// then 16 at a time) yields every page once, in order.
func TestRenderReopens(t *testing.T) {
	t.Parallel()
	var pdf bytes.Buffer
	if err := pdfwrite.WriteSample(&pdf, pdfwrite.SampleSpec{Pages: 20, TrimW: 100, TrimH: 100}); err != nil {
		t.Fatal(err)
	}
	var got []int
	n, err := renderer(t).Render(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), func(p Page) error {
		got = append(got, p.Number)
		return nil
	})
	if err != nil || n != 20 || len(got) != 20 {
		t.Fatalf("Render = %d, %v; emitted %v", n, err, got)
	}
	for i, p := range got {
		if p != i+1 {
			t.Fatalf("pages emitted as %v", got)
		}
	}
}

// TestRenderParallel: with two instances free, a document is rendered by
// both, and emit still gets every page once, in order, with the same
// pixels as one instance gives. An emit error gives both instances back.
func TestRenderParallel(t *testing.T) {
	t.Parallel()
	var pdf bytes.Buffer
	if err := pdfwrite.WriteSample(&pdf, pdfwrite.SampleSpec{Pages: 7, TrimW: 60, TrimH: 80, ImageW: 300, ImageH: 400,
		Noise: 24, DistinctImages: true}); err != nil {
		t.Fatal(err)
	}
	render := func(workers int, emit func(Page) error) (map[int][]byte, []int, error) {
		pool, err := pdfium.New(pdfium.Options{CacheDir: cacheDir, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		jpegs, order := map[int][]byte{}, []int(nil)
		_, err = New(pool, Options{}).Render(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), func(p Page) error {
			jpegs[p.Number], order = bytes.Clone(p.JPEG), append(order, p.Number)
			return emit(p)
		})
		if workers > 1 {
			// Every instance was given back: all can be taken again at once.
			for i := range workers {
				d, ok, err := pool.TryOpen(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()))
				if !ok || err != nil {
					t.Fatalf("instance %d after Render: ok %v, %v", i+1, ok, err)
				}
				defer d.Close()
			}
			if _, ok, _ := pool.TryOpen(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len())); ok {
				t.Error("TryOpen took an instance beyond the pool's size")
			}
		}
		return jpegs, order, err
	}
	none := func(Page) error { return nil }
	serial, _, err := render(1, none)
	if err != nil {
		t.Fatal(err)
	}
	parallel, order, err := render(2, none)
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 7 {
		t.Fatalf("emitted %v, want 7 pages", order)
	}
	for i, n := range order {
		if n != i+1 {
			t.Fatalf("emitted in the order %v", order)
		}
		if !bytes.Equal(serial[n], parallel[n]) {
			t.Errorf("page %d differs between one instance and two", n)
		}
	}
	if bytes.Equal(serial[1], serial[2]) {
		t.Fatal("pages 1 and 2 render the same: the test cannot see a swap")
	}
	stop := errors.New("stop")
	_, order, err = render(2, func(p Page) error {
		if p.Number == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(order) != 3 {
		t.Errorf("emit error on page 3 = %v after %v, want stop after [1 2 3]", err, order)
	}
}

// TestRenderFrame: a page's crop box (cut to its media box) and rotation
// come with the rendered page, and the rendered size is the crop box
// turned by the rotation.
func TestRenderFrame(t *testing.T) {
	t.Parallel()
	var pdf bytes.Buffer
	pw := pdfwrite.New(&pdf)
	media := [4]float64{0, 0, 400, 600}
	crop := [4]float64{20, 30, 420, 330} // runs past the media box on the right
	pw.Page(pdfwrite.Page{MediaBox: media, CropBox: &crop, Rotate: 90, Content: []byte("0 0 1 rg 50 50 100 100 re f")})
	pw.Page(pdfwrite.Page{MediaBox: media, Content: []byte("0 0 1 rg 50 50 100 100 re f")})
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	var got []Page
	_, err := renderer(t).Render(t.Context(), bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), func(p Page) error {
		p.JPEG = nil
		got = append(got, p)
		return nil
	})
	if err != nil || len(got) != 2 {
		t.Fatalf("Render: %v, %d pages", err, len(got))
	}
	p := got[0]
	if p.CropBox != [4]float64{20, 30, 400, 330} || p.Rotate != 90 {
		t.Errorf("page 1 frame = %v rotated %d, want [20 30 400 330] rotated 90", p.CropBox, p.Rotate)
	}
	// 380 × 300 pt turned a quarter: 300 wide, 380 high.
	if p.WidthPt != 300 || p.HeightPt != 380 || p.Width >= p.Height {
		t.Errorf("page 1 rendered as %v × %v pt, %d × %d px; want 300 × 380 pt, portrait", p.WidthPt, p.HeightPt, p.Width, p.Height)
	}
	if q := got[1]; q.CropBox != media || q.Rotate != 0 {
		t.Errorf("page 2 frame = %v rotated %d, want the media box unrotated", q.CropBox, q.Rotate)
	}
}

// TestRenderTimeout: a document that outlasts Options.Timeout stops with
// ErrTimeout, the document's fault; a cancelled context or a failing emit
// is not.
func TestRenderTimeout(t *testing.T) {
	t.Parallel()
	var pdf bytes.Buffer
	if err := pdfwrite.WriteSample(&pdf, pdfwrite.SampleSpec{Pages: 3}); err != nil {
		t.Fatal(err)
	}
	pool := renderer(t).pool
	render := func(ctx context.Context, o Options, emit func(Page) error) error {
		_, err := New(pool, o).Render(ctx, bytes.NewReader(pdf.Bytes()), int64(pdf.Len()), emit)
		return err
	}
	none := func(Page) error { return nil }
	// A timeout that has passed before the first page.
	if err := render(t.Context(), Options{Timeout: time.Nanosecond}, none); !errors.Is(err, ErrTimeout) || !FileFault(err) {
		t.Errorf("Render past its timeout = %v, want ErrTimeout, the file's fault", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	err := render(ctx, Options{}, func(Page) error { cancel(); return nil })
	if !errors.Is(err, context.Canceled) || FileFault(err) {
		t.Errorf("Render cancelled = %v, want context.Canceled, not the file's fault", err)
	}
	stop := errors.New("disk full")
	if err := render(t.Context(), Options{}, func(Page) error { return stop }); !errors.Is(err, stop) || FileFault(err) {
		t.Errorf("Render with a failing emit = %v, want the emit's error, not the file's fault", err)
	}
	junk := []byte("%PDF-1.7\nthis is not a PDF at all")
	_, err = renderer(t).Render(t.Context(), bytes.NewReader(junk), int64(len(junk)), none)
	if !FileFault(err) {
		t.Errorf("Render(junk) = %v, want the file's fault", err)
	}
}
