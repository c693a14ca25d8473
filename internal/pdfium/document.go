package pdfium

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"sync"
	"sync/atomic"
	"time"

	gopdfium "github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/responses"
)

// Errors that say the document itself is at fault: rendering it again
// would fail again. A failure to read the file wraps none of them.
var (
	// ErrUnreadable is wrapped when PDFium cannot open a document.
	ErrUnreadable = errors.New("the PDF cannot be opened for rendering")
	// ErrPage is wrapped when PDFium fails on a page: it reports an error,
	// or its code traps (an abort when its memory runs out ends in
	// "wasm error: unreachable").
	ErrPage = errors.New("the page cannot be rendered")
	// ErrTimeout is wrapped when a call into PDFium runs longer than
	// Options.PageTimeout.
	ErrTimeout = errors.New("the page takes too long to render")
)

// Document is a PDF open in an instance of its own. It is not safe for
// concurrent use; Close gives the instance back.
//
// PDFium keeps what it decoded for a page (a 300 ppi photo is 26 MB) with
// the document, not the page, so a Document closes and reopens the file
// every few pages it renders; see pagesPerOpen.
//
// Each method takes a context: when it ends, or the call runs longer than
// Options.PageTimeout, the instance is stopped (see the package doc) and
// thrown away, and the method and every later one fail with the context's
// cause or ErrTimeout.
type Document struct {
	pool  *Pool
	inst  gopdfium.Pdfium
	mem   stopper // the instance's memory
	src   *source
	size  int64
	doc   references.FPDF_DOCUMENT
	open  bool
	pages int
	heavy bool // opened by OpenHeavy: Close gives its token back
	per   int  // pages rendered per opening
	used  int  // pages rendered since the last opening
	last  int  // the page rendered last in this opening

	mu   sync.Mutex // guards the fields below against stop
	busy bool       // a call into PDFium is running
	dead error      // why the instance was stopped
}

// Open opens the PDF of the given size read through src, waiting for a
// free instance until ctx ends. PDFium reads the file through src as it
// needs it (its custom file access), so a 500 MB file is never copied into
// WebAssembly memory. An error wraps ErrUnreadable when PDFium cannot open
// the document, and ErrTimeout or ctx's cause when opening was stopped; it
// is ErrClosed once the pool is closing.
func (p *Pool) Open(ctx context.Context, src io.ReadSeeker, size int64) (*Document, error) {
	if err := p.acquire(ctx); err != nil {
		return nil, err
	}
	return p.open(ctx, src, size)
}

// acquire waits until ctx ends for a slot, which open or Close gives back.
func (p *Pool) acquire(ctx context.Context) error {
	select {
	case p.slots <- struct{}{}:
		return nil
	case <-p.closing:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("pdfium: wait for a free instance: %w", ctx.Err())
	}
}

// OpenHeavy is Open for a document whose pages may keep an instance busy
// for seconds each (hundreds of thousands of operators a page): at most
// one fewer such documents than instances are open at once, so that two
// heavy uploads cannot hold every instance while light proofs wait behind
// them. With one instance it is Open.
func (p *Pool) OpenHeavy(ctx context.Context, src io.ReadSeeker, size int64) (*Document, error) {
	if cap(p.slots) > 1 {
		select {
		case p.heavy <- struct{}{}:
		case <-p.closing:
			return nil, ErrClosed
		case <-ctx.Done():
			return nil, fmt.Errorf("pdfium: wait for an instance for a heavy document: %w", ctx.Err())
		}
	}
	d, err := p.Open(ctx, src, size)
	if err != nil {
		if cap(p.slots) > 1 {
			<-p.heavy
		}
		return nil, err
	}
	d.heavy = cap(p.slots) > 1
	return d, nil
}

// TryOpen is Open when an instance is free at once; ok is false, and
// nothing opened, when all are busy or the pool is closing (ErrClosed). A caller that already holds an
// instance uses it for a second one: waiting there could deadlock with
// another caller doing the same.
func (p *Pool) TryOpen(ctx context.Context, src io.ReadSeeker, size int64) (d *Document, ok bool, err error) {
	select {
	case <-p.closing:
		return nil, false, ErrClosed
	case p.slots <- struct{}{}:
	default:
		return nil, false, nil
	}
	d, err = p.open(ctx, src, size)
	return d, err == nil, err
}

// open opens the document in a new instance, for a caller holding a slot;
// the slot is given back on failure or by Close.
func (p *Pool) open(ctx context.Context, src io.ReadSeeker, size int64) (*Document, error) {
	select {
	case <-p.closing: // the slot was free, but Close is waiting for it
		<-p.slots
		return nil, ErrClosed
	default:
	}
	var inst gopdfium.Pdfium
	mem, err := p.mem.instantiate(func() (err error) {
		inst, err = p.pool.GetInstanceWithContext(ctx)
		return err
	})
	if err != nil {
		<-p.slots
		return nil, fmt.Errorf("pdfium: get instance: %w", err)
	}
	d := &Document{pool: p, inst: inst, mem: mem, src: &source{ReadSeeker: src}, size: size}
	err = d.call(ctx, "open the document", func() error {
		if err := d.reopen(); err != nil {
			return err
		}
		c, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: d.doc})
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
		d.pages, d.per = c.PageCount, pagesPerOpen(size, c.PageCount)
		return nil
	})
	if err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// call runs f, calls into PDFium for what, under ctx and PageTimeout: when
// either ends first the call is stopped and the instance thrown away, and
// call returns why. A failure of f while reading the file is returned as
// that, not as the document's.
func (d *Document) call(ctx context.Context, what string, f func() error) error {
	if d.dead != nil {
		return fmt.Errorf("pdfium: %s: %w", what, d.dead)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("pdfium: %s: %w", what, context.Cause(ctx))
	}
	d.mu.Lock()
	d.busy = true
	d.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { d.stop(context.Cause(ctx)) })
	timer := time.AfterFunc(d.pool.pageTimeout, func() {
		d.stop(fmt.Errorf("%w: %s took more than %s", ErrTimeout, what, d.pool.pageTimeout))
	})
	err := f()
	stop()
	timer.Stop()
	d.mu.Lock()
	d.busy = false
	dead := d.dead
	d.mu.Unlock()
	switch {
	case dead != nil:
		// Nothing more may be asked of an instance stopped halfway (its
		// code may have aborted): throw it away without calling into it.
		d.inst.Kill()
		return fmt.Errorf("pdfium: %s: %w", what, dead)
	case err != nil && d.src.err != nil:
		return fmt.Errorf("pdfium: %s: read the file: %w", what, d.src.err)
	case err != nil:
		return fmt.Errorf("pdfium: %s: %w", what, err)
	}
	return nil
}

// stop makes the running call stop at its next growth of memory or read of
// the file, which are refused from now on. A stop that comes after the
// call has returned does nothing: the next call checks its context itself.
func (d *Document) stop(cause error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.busy || d.dead != nil {
		return
	}
	d.dead = cause
	d.src.stop()
	d.mem.stop()
}

// stopper is a memory that can be made to refuse to grow.
type stopper interface{ stop() }

// noStop is a memory whose growth cannot be refused.
type noStop struct{}

func (noStop) stop() {}

// stopped reports whether a call was stopped.
func (d *Document) stopped() bool { return d.dead != nil }

// source is the file as PDFium reads it, keeping the first error of a
// read: PDFium reports a file it cannot read as a damaged one, and the
// difference decides whether rendering it again may work. Once stopped,
// it refuses every read.
type source struct {
	io.ReadSeeker
	err     error
	stopped atomic.Bool
}

var errStopped = errors.New("pdfium: reading stopped")

func (s *source) stop() { s.stopped.Store(true) }

func (s *source) Read(p []byte) (int, error) {
	if s.stopped.Load() {
		return 0, errStopped
	}
	n, err := s.ReadSeeker.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

func (s *source) Seek(offset int64, whence int) (int64, error) {
	n, err := s.ReadSeeker.Seek(offset, whence)
	if err != nil && s.err == nil {
		s.err = err
	}
	return n, err
}

// pagesPerOpen is how many pages are rendered before the document is
// closed and opened again. Measured on 30 pages of 300 ppi photos, memory
// grew by a decoded photo per page (980 MB peak) while the document stayed
// open, and reopening it for each page kept the peak at 290 MB. Reopening
// re-reads the cross-reference table and, for text, the shared fonts,
// which costs a book of small pages about a fifth of its time; so files
// whose pages are large on average (pictures) reopen every page, and the
// others every 16.
func pagesPerOpen(size int64, pages int) int {
	if pages == 0 || size/int64(pages) > 512<<10 {
		return 1
	}
	return 16
}

// reopen closes the document if it is open and opens it again from the
// start of src.
func (d *Document) reopen() error {
	d.closeDoc()
	if _, err := d.src.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind: %w", err)
	}
	doc, err := d.inst.OpenDocument(&requests.OpenDocument{FileReader: d.src, FileReaderSize: d.size})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	d.doc, d.open, d.used, d.last = doc.Document, true, 0, 0
	return nil
}

func (d *Document) closeDoc() {
	if d.open {
		d.inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: d.doc})
		d.open = false
	}
}

// Close closes the document and throws its instance away (a stopped one
// is gone already).
func (d *Document) Close() error {
	if d.inst == nil {
		return nil
	}
	var err error
	if d.dead == nil {
		d.closeDoc()
		err = d.inst.Close()
	}
	d.inst = nil
	<-d.pool.slots
	if d.heavy {
		<-d.pool.heavy
	}
	return err
}

// Pages is the document's page count.
func (d *Document) Pages() int { return d.pages }

// page names 1-based page n for a request. The document is reopened
// before a page other than the last one rendered once it has rendered its
// share, so that a page's size and its rendering share one opening.
func (d *Document) page(n int) (requests.Page, error) {
	if n < 1 || n > d.pages {
		return requests.Page{}, fmt.Errorf("no page %d in a document of %d", n, d.pages)
	}
	if !d.open || (d.used >= d.per && n != d.last) {
		if err := d.reopen(); err != nil {
			return requests.Page{}, err
		}
	}
	return requests.Page{ByIndex: &requests.PageByIndex{Document: d.doc, Index: n - 1}}, nil
}

// rendered counts page n against the current opening's share.
func (d *Document) rendered(n int) { d.used, d.last = d.used+1, n }

// PageSize is the size of 1-based page n in points: its crop box, turned
// by its rotation, which is what a rendering shows.
func (d *Document) PageSize(ctx context.Context, n int) (width, height float64, err error) {
	err = d.call(ctx, fmt.Sprintf("size of page %d", n), func() error {
		pg, err := d.page(n)
		if err != nil {
			return err
		}
		s, err := d.inst.GetPageSize(&requests.GetPageSize{Page: pg})
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPage, err)
		}
		width, height = s.Width, s.Height
		return nil
	})
	return width, height, err
}

// Frame is what a rendering of a page shows: the page's crop box, cut to
// its media box as PDFium does (the media box when there is no crop box),
// in PDF points [x0 y0 x1 y1], and its /Rotate in degrees clockwise.
type Frame struct {
	CropBox [4]float64
	Rotate  int
}

// Frame reads 1-based page n's frame. A proof draws trim and bleed lines
// on the rendered image with it, so it comes from the renderer itself.
func (d *Document) Frame(ctx context.Context, n int) (f Frame, err error) {
	err = d.call(ctx, fmt.Sprintf("boxes of page %d", n), func() error {
		pg, err := d.page(n)
		if err != nil {
			return err
		}
		f = d.frame(pg)
		return nil
	})
	return f, err
}

func (d *Document) frame(pg requests.Page) Frame {
	m, err := d.inst.FPDFPage_GetMediaBox(&requests.FPDFPage_GetMediaBox{Page: pg})
	if err != nil {
		// PDFium's default for a page without a media box: US Letter.
		m = &responses.FPDFPage_GetMediaBox{Right: 612, Top: 792}
	}
	box := normal(m.Left, m.Bottom, m.Right, m.Top)
	if c, err := d.inst.FPDFPage_GetCropBox(&requests.FPDFPage_GetCropBox{Page: pg}); err == nil {
		cb := normal(c.Left, c.Bottom, c.Right, c.Top)
		cut := [4]float64{max(box[0], cb[0]), max(box[1], cb[1]), min(box[2], cb[2]), min(box[3], cb[3])}
		if cut[2] > cut[0] && cut[3] > cut[1] {
			box = cut
		}
	}
	f := Frame{CropBox: box}
	if r, err := d.inst.FPDFPage_GetRotation(&requests.FPDFPage_GetRotation{Page: pg}); err == nil {
		f.Rotate = 90 * int(r.PageRotation)
	}
	return f
}

// normal orders a rectangle's corners as [x0 y0 x1 y1] with x0 <= x1 and
// y0 <= y1; files write them either way round.
func normal(l, b, r, t float32) [4]float64 {
	return [4]float64{float64(min(l, r)), float64(min(b, t)), float64(max(l, r)), float64(max(b, t))}
}

// JPEG is a page rendered and encoded as JPEG.
type JPEG struct {
	Bytes         []byte
	Width, Height int // pixels
}

// RenderJPEG renders 1-based page n at dpi, annotations included as a
// viewer shows them, and encodes it as JPEG of the given quality (1–100)
// inside the instance, which is faster than Go's encoder.
func (d *Document) RenderJPEG(ctx context.Context, n, dpi, quality int) (img JPEG, err error) {
	err = d.call(ctx, fmt.Sprintf("render page %d", n), func() error {
		pg, err := d.page(n)
		if err != nil {
			return err
		}
		d.rendered(n)
		out, err := d.inst.RenderToFile(&requests.RenderToFile{
			RenderPageInDPI: &requests.RenderPageInDPI{
				Page: pg, DPI: dpi,
				// Annotations as a viewer shows them, like pdftoppm.
				RenderFlags: enums.FPDF_RENDER_FLAG_ANNOT,
			},
			OutputFormat: requests.RenderToFileOutputFormatJPG, OutputTarget: requests.RenderToFileOutputTargetBytes,
			OutputQuality: quality,
		})
		switch {
		case err != nil:
			return fmt.Errorf("%w: %v", ErrPage, err)
		case out.ImageBytes == nil:
			return fmt.Errorf("%w: no image", ErrPage)
		}
		img = JPEG{Bytes: *out.ImageBytes, Width: out.Width, Height: out.Height}
		return nil
	})
	return img, err
}

// RenderImage renders 1-based page n to fit in a box of maxPx × maxPx
// pixels, keeping its aspect.
func (d *Document) RenderImage(ctx context.Context, n, maxPx int) (img image.Image, err error) {
	err = d.call(ctx, fmt.Sprintf("render page %d", n), func() error {
		pg, err := d.page(n)
		if err != nil {
			return err
		}
		d.rendered(n)
		res, err := d.inst.RenderPageInPixels(&requests.RenderPageInPixels{Page: pg, Width: maxPx, Height: maxPx})
		if err != nil {
			return fmt.Errorf("%w: %v", ErrPage, err)
		}
		// The pixels live in WebAssembly memory until Cleanup: copy them.
		img = cloneImage(res.Result.RenderedImage)
		res.Cleanup()
		return nil
	})
	return img, err
}
