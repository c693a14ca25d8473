// Package proof renders the pages of a PDF to JPEG images for the
// customer's proof, with PDFium compiled to WebAssembly (go-pdfium on
// wazero): the same renderer as Chrome's PDF viewer, no cgo and no external
// program.
//
// The document is read through an io.ReadSeeker (PDFium's custom file
// access), never loaded whole, so a 500 MB file costs what PDFium keeps of
// its structure and one page bitmap, not 500 MB. Each document gets a fresh
// WebAssembly instance that is closed afterwards: WebAssembly memory only
// grows, and a fresh instance is how the memory of a large page is given
// back. Compiling the module costs seconds; a compilation cache on disk
// makes later starts take a fraction of a second.
package proof

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Options configure a Renderer. Zero values take the defaults.
type Options struct {
	// CacheDir keeps the compiled WebAssembly module between starts.
	// Empty: no cache (every start compiles, about 4 s).
	CacheDir string
	// Workers is how many documents render at once. Default 2.
	Workers int
	// DPI is the rendering resolution. Default 150: enough to judge
	// placement and images on screen, and what pdftoppm -r 150 gives.
	DPI int
	// MaxSide caps the longer side of a page image in pixels, so that a
	// poster does not become a 100-megapixel bitmap. Default 2480 (A3 at
	// 150 dpi).
	MaxSide int
	// Quality is the JPEG quality, 1–100. Default 85.
	Quality int
}

// Renderer renders documents. It is safe for concurrent use, up to
// Options.Workers documents at once; more wait.
type Renderer struct {
	pool  pdfium.Pool
	cache wazero.CompilationCache
	o     Options
}

// New compiles PDFium (or loads it from the cache) and returns a Renderer.
func New(o Options) (*Renderer, error) {
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.DPI <= 0 {
		o.DPI = 150
	}
	if o.MaxSide <= 0 {
		o.MaxSide = 2480
	}
	if o.Quality <= 0 || o.Quality > 100 {
		o.Quality = 85
	}
	rc := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	r := &Renderer{o: o}
	if o.CacheDir != "" {
		if err := os.MkdirAll(o.CacheDir, 0o750); err != nil {
			return nil, fmt.Errorf("renderer cache: %w", err)
		}
		cache, err := wazero.NewCompilationCacheWithDir(o.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("renderer cache %s: %w", o.CacheDir, err)
		}
		r.cache = cache
		rc = rc.WithCompilationCache(cache)
	}
	pool, err := webassembly.Init(webassembly.Config{
		MinIdle: 0, MaxIdle: o.Workers, MaxTotal: o.Workers,
		RuntimeConfig: rc,
		// PDFium reads through our reader; it needs no file system.
		FSConfig: wazero.NewFSConfig(),
		Stdout:   io.Discard, Stderr: io.Discard,
	})
	if err != nil {
		return nil, fmt.Errorf("start the PDF renderer: %w", err)
	}
	r.pool = pool
	return r, nil
}

// Close stops the renderer.
func (r *Renderer) Close() error {
	err := r.pool.Close()
	if r.cache != nil {
		err = errors.Join(err, r.cache.Close(context.Background()))
	}
	return err
}

// Page is one rendered page.
type Page struct {
	Number int // from 1
	// JPEG is the encoded image; it is only valid during the callback.
	JPEG          []byte
	Width, Height int // pixels
	// WidthPt and HeightPt are the rendered area (the crop box, turned by
	// the page's rotation) in points.
	WidthPt, HeightPt float64
}

// ErrUnreadable: PDFium could not open the document.
var ErrUnreadable = errors.New("the PDF cannot be opened for rendering")

// Render renders every page of the document of the given size read
// through src, in order, and calls emit with each. It stops at the first
// error from emit or when ctx ends (between pages).
func (r *Renderer) Render(ctx context.Context, src io.ReadSeeker, size int64, emit func(Page) error) (pages int, err error) {
	inst, err := r.pool.GetInstanceWithContext(ctx)
	if err != nil {
		return 0, fmt.Errorf("renderer: %w", err)
	}
	// Closing the instance frees its WebAssembly memory (see package doc).
	defer inst.Close()
	per := 1 // until the page count is known
	for first := 0; ; {
		n, count, err := r.renderRange(ctx, inst, src, size, first, per, emit)
		first += n
		if err != nil || first >= count {
			return first, err
		}
		per = pagesPerOpen(size, count)
	}
}

// pagesPerOpen is how many pages are rendered before the document is
// closed and opened again. PDFium keeps what it decoded for a page (a
// 300 ppi photo is 26 MB) with the document, not the page: measured on 30
// such pages, memory grew by that much per page (980 MB peak) while the
// document stayed open, and reopening it for each page kept the peak at
// 290 MB. Reopening re-reads the cross-reference table and, for text, the
// shared fonts, which costs a book of small pages about a fifth of its
// time; so files whose pages are large on average (pictures) reopen every
// page, and the others every 16.
func pagesPerOpen(size int64, pages int) int {
	if pages == 0 || size/int64(pages) > 512<<10 {
		return 1
	}
	return 16
}

// renderRange opens the document, renders up to per pages from first, and
// closes it. It returns how many pages it rendered and the
// document's page count.
func (r *Renderer) renderRange(ctx context.Context, inst pdfium.Pdfium, src io.ReadSeeker, size int64, first, per int, emit func(Page) error) (n, count int, err error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return 0, 0, err
	}
	doc, err := inst.OpenDocument(&requests.OpenDocument{FileReader: src, FileReaderSize: size})
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document})
	c, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	for i := first; i < c.PageCount && i < first+per; i++ {
		if err := ctx.Err(); err != nil {
			return n, c.PageCount, err
		}
		p, err := r.renderPage(inst, doc.Document, i)
		if err != nil {
			return n, c.PageCount, err
		}
		if err := emit(p); err != nil {
			return n, c.PageCount, err
		}
		n++
	}
	return n, c.PageCount, nil
}

func (r *Renderer) renderPage(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, index int) (Page, error) {
	page := requests.Page{ByIndex: &requests.PageByIndex{Document: doc, Index: index}}
	size, err := inst.GetPageSize(&requests.GetPageSize{Page: page})
	if err != nil {
		return Page{}, fmt.Errorf("page %d: size: %w", index+1, err)
	}
	out, err := inst.RenderToFile(&requests.RenderToFile{
		RenderPageInDPI: &requests.RenderPageInDPI{
			Page: page, DPI: r.dpiFor(size.Width, size.Height),
			// Annotations as a viewer shows them, like pdftoppm.
			RenderFlags: enums.FPDF_RENDER_FLAG_ANNOT,
		},
		OutputFormat: requests.RenderToFileOutputFormatJPG, OutputTarget: requests.RenderToFileOutputTargetBytes,
		OutputQuality: r.o.Quality,
	})
	if err != nil {
		return Page{}, fmt.Errorf("render page %d: %w", index+1, err)
	}
	if out.ImageBytes == nil {
		return Page{}, fmt.Errorf("render page %d: no image", index+1)
	}
	return Page{
		Number: index + 1, JPEG: *out.ImageBytes, Width: out.Width, Height: out.Height,
		WidthPt: size.Width, HeightPt: size.Height,
	}, nil
}

// dpiFor is the resolution at which a page of w×h points fits MaxSide.
func (r *Renderer) dpiFor(w, h float64) int {
	long := math.Max(w, h)
	if long <= 0 {
		return r.o.DPI
	}
	fit := int(float64(r.o.MaxSide) * 72 / long)
	return max(min(r.o.DPI, fit), 10)
}
