// Package proof renders the pages of a PDF to JPEG images for the
// customer's proof. It renders through the process's PDFium pool
// (internal/pdfium): the same renderer as Chrome's PDF viewer, no cgo and
// no external program.
//
// The document is read through an io.ReaderAt, never loaded whole, and
// reopened every few pages (pdfium.Document), so a 500 MB file costs what
// PDFium keeps of its structure and a page or a few, not 500 MB.
//
// A document's pages are rendered by up to Options.Parallel instances at
// once, when the pool has them free: PDFium renders one page on one core,
// and a customer waiting for the proof of one file should get all the
// machine's cores, as pdftoppm cannot give them.
//
// Each page is bounded by the pool's page timeout, and the whole document
// by Options.Timeout, so that a hostile file holds an instance for a
// bounded time (see FileFault).
package proof

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/atomyx/submit/internal/pdfium"
)

// Options configure a Renderer. Zero values take the defaults.
type Options struct {
	// DPI is the rendering resolution. Default 150: enough to judge
	// placement and images on screen, and what pdftoppm -r 150 gives.
	DPI int
	// MaxSide caps the longer side of a page image in pixels, so that a
	// poster does not become a 100-megapixel bitmap. Default 2480 (A3 at
	// 150 dpi).
	MaxSide int
	// Quality is the JPEG quality, 1–100. Default 85.
	Quality int
	// Parallel is how many of the pool's instances one document may use
	// at once; the first is waited for, the others are taken only when
	// free. Default 2.
	Parallel int
	// Timeout bounds the rendering of one document, from when its first
	// instance is free; the pool's page timeout bounds each page. Default
	// DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout is Options.Timeout's default: a book of 1000 pages
// renders in about 5 minutes on two cores.
const DefaultTimeout = 30 * time.Minute

// Renderer renders documents. It is safe for concurrent use: each Render
// takes an instance of the pool, and waits while all are busy.
type Renderer struct {
	pool *pdfium.Pool
	o    Options
}

// New returns a Renderer that renders through pool; the caller keeps
// ownership of the pool and closes it.
func New(pool *pdfium.Pool, o Options) *Renderer {
	if o.DPI <= 0 {
		o.DPI = 150
	}
	if o.MaxSide <= 0 {
		o.MaxSide = 2480
	}
	if o.Quality <= 0 || o.Quality > 100 {
		o.Quality = 85
	}
	if o.Parallel <= 0 {
		o.Parallel = 2
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Renderer{pool: pool, o: o}
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
	// CropBox is the rendered area in PDF points [x0 y0 x1 y1], before
	// rotation; Rotate is the page's rotation in degrees clockwise. With
	// them the page's other boxes can be drawn on the image.
	CropBox [4]float64
	Rotate  int
}

// ErrUnreadable: PDFium could not open the document.
var ErrUnreadable = pdfium.ErrUnreadable

// ErrTimeout is wrapped when the document took longer than
// Options.Timeout, or a page longer than the pool's page timeout.
var ErrTimeout = pdfium.ErrTimeout

// FileFault reports whether err from Render is the document's own doing,
// so that rendering it again would fail again: PDFium cannot open it, fails
// on a page, or takes too long. Failures to read the file, of emit, and
// of a ctx that was cancelled are not.
func FileFault(err error) bool {
	return errors.Is(err, pdfium.ErrUnreadable) || errors.Is(err, pdfium.ErrPage) || errors.Is(err, pdfium.ErrTimeout)
}

// Render renders every page of the document of the given size read
// through src, and calls emit with each, in page order. It stops at the
// first error from emit, when ctx ends, or after Options.Timeout.
func (r *Renderer) Render(ctx context.Context, src io.ReaderAt, size int64, emit func(Page) error) (pages int, err error) {
	return r.render(ctx, src, size, emit, false)
}

// RenderHeavy is Render for a document whose pages take an instance for
// seconds each (pdfium.Pool.OpenHeavy): it waits for the instances heavy
// documents may use, and renders on one, so that light proofs are not
// kept waiting behind it.
func (r *Renderer) RenderHeavy(ctx context.Context, src io.ReaderAt, size int64, emit func(Page) error) (pages int, err error) {
	return r.render(ctx, src, size, emit, true)
}

func (r *Renderer) render(ctx context.Context, src io.ReaderAt, size int64, emit func(Page) error, heavy bool) (pages int, err error) {
	open, parallel := r.pool.Open, r.o.Parallel
	if heavy {
		open, parallel = r.pool.OpenHeavy, 1
	}
	first, err := open(ctx, io.NewSectionReader(src, 0, size), size)
	if err != nil {
		return 0, fmt.Errorf("renderer: %w", err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, r.o.Timeout,
		fmt.Errorf("%w: the document took more than %s", ErrTimeout, r.o.Timeout))
	defer cancel()
	docs := []*pdfium.Document{first}
	defer func() {
		for _, d := range docs {
			d.Close()
		}
	}()
	for len(docs) < min(parallel, first.Pages()) {
		d, ok, err := r.pool.TryOpen(ctx, io.NewSectionReader(src, 0, size), size)
		if !ok || err != nil {
			break // render with the instances we have
		}
		docs = append(docs, d)
	}
	if len(docs) == 1 {
		return r.renderSerial(ctx, first, emit)
	}
	return r.renderParallel(ctx, docs, emit)
}

func (r *Renderer) renderSerial(ctx context.Context, doc *pdfium.Document, emit func(Page) error) (pages int, err error) {
	for n := 1; n <= doc.Pages(); n++ {
		if ctx.Err() != nil {
			return pages, context.Cause(ctx)
		}
		p, err := r.renderPage(ctx, doc, n)
		if err != nil {
			return pages, err
		}
		if err := emit(p); err != nil {
			return pages, err
		}
		pages++
	}
	return pages, nil
}

// rendered is a page, or why it could not be rendered.
type rendered struct {
	page Page
	err  error
}

// renderParallel renders page n with docs[(n-1) % len(docs)]: each
// document renders every k-th page and hands it over on its own channel,
// and emit takes them round-robin, so pages arrive in order with at most
// one page waiting per document.
func (r *Renderer) renderParallel(ctx context.Context, docs []*pdfium.Document, emit func(Page) error) (pages int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // before the deferred Close of the documents
	defer cancel()
	total := docs[0].Pages()
	out := make([]chan rendered, len(docs))
	for i, doc := range docs {
		out[i] = make(chan rendered)
		wg.Go(func() {
			for n := i + 1; n <= total; n += len(docs) {
				if ctx.Err() != nil {
					return
				}
				p, err := r.renderPage(ctx, doc, n)
				select {
				case out[i] <- rendered{p, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		})
	}
	for n := 1; n <= total; n++ {
		var got rendered
		select {
		case got = <-out[(n-1)%len(docs)]:
		case <-ctx.Done():
			return pages, context.Cause(ctx)
		}
		if got.err != nil {
			return pages, got.err
		}
		if err := emit(got.page); err != nil {
			return pages, err
		}
		pages++
	}
	return pages, nil
}

func (r *Renderer) renderPage(ctx context.Context, doc *pdfium.Document, n int) (Page, error) {
	w, h, err := doc.PageSize(ctx, n)
	if err != nil {
		return Page{}, err
	}
	fr, err := doc.Frame(ctx, n)
	if err != nil {
		return Page{}, err
	}
	img, err := doc.RenderJPEG(ctx, n, r.dpiFor(w, h), r.o.Quality)
	if err != nil {
		return Page{}, err
	}
	return Page{Number: n, JPEG: img.Bytes, Width: img.Width, Height: img.Height, WidthPt: w, HeightPt: h,
		CropBox: fr.CropBox, Rotate: fr.Rotate}, nil
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
